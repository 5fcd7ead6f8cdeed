#include "metrics.h"

namespace confab {

QByteArray Metrics::render(qsizetype connections, qsizetype rooms) const
{
    QByteArray out;
    auto metric = [&out](const char *name, const char *type, const char *help, quint64 value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n'
               + name + ' ' + QByteArray::number(value) + '\n';
    };
    metric("confab_connections", "gauge", "Open WebSocket connections.", quint64(connections));
    metric("confab_rooms", "gauge", "Rooms that exist.", quint64(rooms));
    metric("confab_frames_in_total", "counter", "Data frames received.", framesIn);
    metric("confab_frames_out_total", "counter", "Frames queued for sending.", framesOut);
    metric("confab_messages_in_total", "counter", "Chat messages accepted.", messagesIn);
    metric("confab_messages_out_total", "counter", "Chat message copies queued for recipients.",
           messagesOut);
    metric("confab_frames_dropped_total", "counter", "Frames dropped by the rate limiter.",
           framesDropped);
    metric("confab_http_requests_total", "counter", "HTTP requests answered.", httpRequests);
    metric("confab_directory_reads_total", "counter",
           "Room directories built anew (the rest came from the cache).", directoryReads);
    out += "# HELP confab_closes_total Connections closed, by reason.\n"
           "# TYPE confab_closes_total counter\n";
    for (auto it = closes.cbegin(); it != closes.cend(); ++it)
        out += "confab_closes_total{reason=\"" + it.key().toUtf8() + "\"} "
               + QByteArray::number(it.value()) + '\n';
    return out;
}

} // namespace confab
