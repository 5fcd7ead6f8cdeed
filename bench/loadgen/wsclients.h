// Many WebSocket client connections on one epoll loop (Linux), with no per-connection objects,
// timers or signals. The load generator must cost far less per delivered frame than the server
// it measures; QWebSocket costs about 11 us per received frame (UTF-16 conversion, a signal, the
// poll dispatcher walking every socket), which made the generator the bottleneck at 100,000
// deliveries per second. This client reads into one buffer per connection and hands each text
// frame out as a byte view.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <netinet/in.h>

namespace confab::bench {

class WsClients
{
public:
    struct Callbacks {
        std::function<void(int id)> opened;                         // upgrade answered with 101
        std::function<void(int id, std::string_view text)> text;    // one complete text message
        std::function<void(int id, const std::string &why)> closed; // refused, reset or closed
    };

    explicit WsClients(Callbacks callbacks);
    ~WsClients();
    WsClients(const WsClients &) = delete;
    WsClients &operator=(const WsClients &) = delete;

    // Resolves host and port once (numeric addresses or names) and adds them as a server to
    // connect to (the first is target 0: several servers of one cluster); false with a reason on
    // failure.
    bool addTarget(const std::string &host, uint16_t port, const std::string &path,
                   std::string *error);
    // Starts a non-blocking connect to a target and returns the connection's id.
    int open(size_t target = 0);
    void sendText(int id, std::string_view text);
    // Waits up to timeoutMs for socket events and handles them.
    void poll(int timeoutMs);
    void closeAll();

private:
    enum class State { Connecting, Upgrading, Open, Closed };
    struct Conn {
        int fd = -1;
        State state = State::Connecting;
        std::string in;      // bytes received and not yet consumed
        std::string out;     // bytes the kernel did not take yet
        std::string message; // a fragmented text message being assembled
        bool wantWrite = true;
        size_t target = 0;
    };

    void onReadable(int id);
    void onWritable(int id);
    void consume(int id, std::string_view bytes);
    // Hands out the complete frames at the start of in; returns the bytes they took.
    size_t parseFrames(int id, std::string_view in);
    void queue(int id, std::string_view bytes);
    void flush(int id);
    void fail(int id, const std::string &why);
    void watch(int id, bool write);
    void sendFrame(int id, uint8_t opcode, std::string_view payload);

    Callbacks m_cb;
    int m_epoll = -1;
    struct Target {
        sockaddr_in addr{};
        std::string request; // the upgrade request
    };
    std::vector<Target> m_targets;
    std::deque<Conn> m_conns; // a deque: callbacks may open() while a Conn& is held
    std::vector<char> m_scratch;
    uint64_t m_maskState = 0x9e3779b97f4a7c15ull;
};

} // namespace confab::bench
