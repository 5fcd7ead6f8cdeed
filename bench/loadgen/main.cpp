// confab-loadgen: drives a server that speaks PROTOCOL v1 (Confab or a peer) and reports what
// arrived, in what order, and how fast. Scenarios and results: docs/benchmarks.md.
#include "loadgenerator.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Load generator for PROTOCOL v1 servers."));
    parser.addHelpOption();
    const QList<QCommandLineOption> options{
        {"url",
         "Server URL; give it again for each server of a cluster (members are spread over"
         " them).",
         "url", "ws://127.0.0.1:7300/ws"},
        {"members", "Connections.", "n", "100"},
        {"rooms", "Rooms (members are spread evenly).", "n", "1"},
        {"publishers", "Members that publish.", "n", "10"},
        {"rate", "Messages per second in total; 0 saturates.", "n", "100"},
        {"window", "In-flight messages per publisher when saturating.", "n", "16"},
        {"duration", "Seconds measured.", "s", "10"},
        {"warmup", "Seconds of load before measuring.", "s", "1"},
        {"size", "Payload text bytes.", "bytes", "100"},
        {"connect-batch", "Handshakes under way at once.", "n", "200"},
        {"server-pid", "Read this process's CPU time and memory from /proc.", "pid", "0"},
        {"timeout", "Give up connecting after this long.", "s", "60"},
        {"settle",
         "Idle and join storm: stay connected this long before reading the server's"
         " memory.",
         "s", "1"},
        {"idle", "Only connect and say hello (memory per idle connection, connect storms)."},
        {"join-storm", "Only connect, say hello and join: time until every member has its joined"
                       " and the presence of everyone who joined after it."},
        {"kill-pid",
         "Once every member has joined, SIGKILL this process (the server of the last --url)"
         " and measure how long until the others have every presence leave.",
         "pid", "0"},
        {"events",
         "Protocol 1.1, paced load: this fraction of the publishes are edits and reactions"
         " (half each) of the publisher's own last message.",
         "fraction", "0"},
        {"client-ids", "Every send carries an id (as the clients' do: the server de-duplicates"
                       " by it)."},
        {"count",
         "Publish this many messages in all, then stop once they are delivered (with a long"
         " --duration: fills a room's history).",
         "n", "0"},
        {"json", "Print one JSON object instead of text."},
    };
    parser.addOptions(options);
    parser.process(app);

    confab::bench::LoadConfig c;
    c.urls.clear();
    for (const QString &url : parser.values("url"))
        c.urls.append(QUrl(url));
    c.members = parser.value("members").toInt();
    c.rooms = parser.value("rooms").toInt();
    c.publishers = parser.value("publishers").toInt();
    c.rate = parser.value("rate").toDouble();
    c.window = parser.value("window").toInt();
    c.duration = parser.value("duration").toDouble();
    c.warmup = parser.value("warmup").toDouble();
    c.size = parser.value("size").toInt();
    c.connectBatch = parser.value("connect-batch").toInt();
    c.serverPid = parser.value("server-pid").toLongLong();
    c.timeout = parser.value("timeout").toDouble();
    c.settle = parser.value("settle").toDouble();
    c.idle = parser.isSet("idle");
    c.joinStorm = parser.isSet("join-storm");
    c.killPid = parser.value("kill-pid").toLongLong();
    c.events = parser.value("events").toDouble();
    c.clientIds = parser.isSet("client-ids");
    c.count = parser.value("count").toLongLong();
    if ((c.idle && c.joinStorm) || c.events < 0 || c.events > 0.9 || (c.events > 0 && c.rate <= 0)
        || (c.killPid > 0 && (c.urls.size() < 2 || c.rooms != 1)) || c.members < 1 || c.rooms < 1
        || c.publishers < 0 || c.rate < 0 || c.window < 1 || c.duration <= 0 || c.settle < 0
        || c.size < 40 || c.connectBatch < 1 || c.count < 0) {
        std::fprintf(stderr, "confab-loadgen: invalid options (see --help)\n");
        return 2;
    }

    confab::bench::LoadGenerator generator(c);
    const bool ok = generator.run();
    const auto &r = generator.result();
    if (parser.isSet("json"))
        std::printf("%s\n", QJsonDocument(r.toJson(c)).toJson(QJsonDocument::Compact).constData());
    else
        std::printf("%s", qPrintable(r.toText(c)));
    return ok ? 0 : 1;
}
