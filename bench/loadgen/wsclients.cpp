#include "wsclients.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace confab::bench {

namespace {
constexpr uint8_t OpContinuation = 0x0, OpText = 0x1, OpBinary = 0x2, OpClose = 0x8, OpPing = 0x9,
                  OpPong = 0xA;
constexpr size_t ScratchSize = 256 * 1024;
} // namespace

WsClients::WsClients(Callbacks callbacks)
    : m_cb(std::move(callbacks))
    , m_epoll(epoll_create1(EPOLL_CLOEXEC))
    , m_scratch(ScratchSize)
{}

WsClients::~WsClients()
{
    closeAll();
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool WsClients::addTarget(const std::string &host, uint16_t port, const std::string &path,
                          std::string *error)
{
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *found = nullptr;
    const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0 || !found) {
        *error = "cannot resolve " + host + ": " + gai_strerror(rc);
        return false;
    }
    Target target;
    std::memcpy(&target.addr, found->ai_addr, sizeof target.addr);
    target.addr.sin_port = htons(port);
    freeaddrinfo(found);
    // The key is fixed: the generator does not check Sec-WebSocket-Accept, only the 101.
    target.request =
        "GET " + (path.empty() ? std::string("/") : path) + " HTTP/1.1\r\nHost: " + host + ":"
        + std::to_string(port)
        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    m_targets.push_back(std::move(target));
    return true;
}

int WsClients::open(size_t target)
{
    const int id = int(m_conns.size());
    m_conns.emplace_back();
    Conn &c = m_conns.back();
    c.target = target;
    const sockaddr_in &addr = m_targets.at(target).addr;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(id, std::string("socket: ") + std::strerror(errno));
        return id;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) != 0
        && errno != EINPROGRESS) {
        fail(id, std::string("connect: ") + std::strerror(errno));
        return id;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = uint32_t(id);
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &ev);
    return id;
}

void WsClients::watch(int id, bool write)
{
    Conn &c = m_conns[size_t(id)];
    if (c.wantWrite == write || c.fd < 0)
        return;
    c.wantWrite = write;
    epoll_event ev{};
    ev.events = EPOLLIN | (write ? EPOLLOUT : 0u);
    ev.data.u32 = uint32_t(id);
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
}

void WsClients::poll(int timeoutMs)
{
    epoll_event events[256];
    const int n = epoll_wait(m_epoll, events, 256, timeoutMs);
    for (int i = 0; i < n; ++i) {
        const int id = int(events[i].data.u32);
        if (events[i].events & (EPOLLOUT | EPOLLERR))
            onWritable(id);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            onReadable(id);
    }
}

void WsClients::onWritable(int id)
{
    Conn &c = m_conns[size_t(id)];
    if (c.state == State::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(id, std::string("connect: ") + std::strerror(err));
            return;
        }
        c.state = State::Upgrading;
        queue(id, m_targets[c.target].request);
        return;
    }
    if (c.state != State::Closed)
        flush(id);
}

void WsClients::onReadable(int id)
{
    Conn &c = m_conns[size_t(id)];
    if (c.state == State::Closed || c.state == State::Connecting)
        return;
    for (;;) {
        const ssize_t got = ::recv(c.fd, m_scratch.data(), m_scratch.size(), 0);
        if (got > 0) {
            // Frames are handed out chunk by chunk, so a connection holds at most one partial
            // frame between reads, however much the kernel had queued for it.
            consume(id, std::string_view(m_scratch.data(), size_t(got)));
            if (c.state == State::Closed || size_t(got) < m_scratch.size())
                return;
            continue;
        }
        if (got == 0) {
            fail(id, "closed by the server");
            return;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (errno == EINTR)
            continue;
        fail(id, std::string("recv: ") + std::strerror(errno));
        return;
    }
}

void WsClients::consume(int id, std::string_view bytes)
{
    Conn &c = m_conns[size_t(id)];
    if (c.state == State::Open && c.in.empty()) {
        // The common case: frames straight from the read buffer, only a partial one kept.
        const size_t used = parseFrames(id, bytes);
        if (c.state == State::Open)
            c.in.assign(bytes.substr(used));
        return;
    }
    c.in.append(bytes);
    if (c.state == State::Upgrading) {
        const size_t end = c.in.find("\r\n\r\n");
        if (end == std::string::npos)
            return;
        if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) {
            fail(id, "upgrade refused: " + c.in.substr(0, c.in.find("\r\n")));
            return;
        }
        c.in.erase(0, end + 4);
        c.state = State::Open;
        if (m_cb.opened)
            m_cb.opened(id);
        if (c.state != State::Open)
            return;
    }
    const size_t used = parseFrames(id, c.in);
    if (c.state == State::Open)
        c.in.erase(0, used);
}

size_t WsClients::parseFrames(int id, std::string_view in)
{
    Conn &c = m_conns[size_t(id)];
    size_t pos = 0;
    while (c.state == State::Open) {
        const size_t avail = in.size() - pos;
        if (avail < 2)
            break;
        const auto *p = reinterpret_cast<const uint8_t *>(in.data() + pos);
        const bool fin = p[0] & 0x80;
        const uint8_t opcode = p[0] & 0x0F;
        uint64_t len = p[1] & 0x7F;
        size_t header = 2;
        if (len == 126) {
            if (avail < 4)
                break;
            len = (uint64_t(p[2]) << 8) | p[3];
            header = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 2; i < 10; ++i)
                len = (len << 8) | p[i];
            header = 10;
        }
        if (p[1] & 0x80) {
            fail(id, "the server sent a masked frame");
            return pos;
        }
        if (avail < header + len)
            break;
        const std::string_view payload(in.data() + pos + header, size_t(len));
        pos += header + size_t(len);
        switch (opcode) {
        case OpText:
        case OpBinary:
        case OpContinuation:
            if (fin && c.message.empty() && opcode == OpText) {
                if (m_cb.text)
                    m_cb.text(id, payload); // the common case: no copy
            } else {
                c.message.append(payload);
                if (fin) {
                    const std::string whole = std::move(c.message);
                    c.message.clear();
                    if (m_cb.text)
                        m_cb.text(id, whole);
                }
            }
            break;
        case OpPing:
            sendFrame(id, OpPong, payload);
            break;
        case OpPong:
            break;
        case OpClose: {
            // The code and reason say why (too slow, hello timeout, server full, ...).
            std::string why = "closed by the server (close frame";
            if (payload.size() >= 2) {
                why += " " + std::to_string((uint8_t(payload[0]) << 8) | uint8_t(payload[1]));
                why += " " + std::string(payload.substr(2));
            }
            fail(id, why + ")");
            return pos;
        }
        default:
            fail(id, "unknown opcode " + std::to_string(opcode));
            return pos;
        }
    }
    return pos;
}

void WsClients::sendText(int id, std::string_view text)
{
    sendFrame(id, OpText, text);
}

void WsClients::sendFrame(int id, uint8_t opcode, std::string_view payload)
{
    if (m_conns[size_t(id)].state != State::Open)
        return;
    // Clients must mask (RFC 6455 5.3); a xorshift key per frame.
    m_maskState ^= m_maskState << 13;
    m_maskState ^= m_maskState >> 7;
    m_maskState ^= m_maskState << 17;
    uint8_t key[4];
    std::memcpy(key, &m_maskState, 4);
    std::string frame;
    frame.reserve(payload.size() + 14);
    frame.push_back(char(0x80 | opcode));
    if (payload.size() < 126) {
        frame.push_back(char(0x80 | payload.size()));
    } else if (payload.size() < 65536) {
        frame.push_back(char(0x80 | 126));
        frame.push_back(char(payload.size() >> 8));
        frame.push_back(char(payload.size() & 0xFF));
    } else {
        frame.push_back(char(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            frame.push_back(char((uint64_t(payload.size()) >> shift) & 0xFF));
    }
    frame.append(reinterpret_cast<const char *>(key), 4);
    for (size_t i = 0; i < payload.size(); ++i)
        frame.push_back(char(uint8_t(payload[i]) ^ key[i & 3]));
    queue(id, frame);
}

void WsClients::queue(int id, std::string_view bytes)
{
    Conn &c = m_conns[size_t(id)];
    c.out.append(bytes);
    flush(id);
}

void WsClients::flush(int id)
{
    Conn &c = m_conns[size_t(id)];
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) {
            c.out.erase(0, size_t(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        fail(id, std::string("send: ") + std::strerror(errno));
        return;
    }
    watch(id, !c.out.empty());
}

void WsClients::fail(int id, const std::string &why)
{
    Conn &c = m_conns[size_t(id)];
    if (c.state == State::Closed)
        return;
    c.state = State::Closed;
    if (c.fd >= 0) {
        epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
    }
    c.in.clear();
    c.out.clear();
    c.message.clear();
    if (m_cb.closed)
        m_cb.closed(id, why);
}

void WsClients::closeAll()
{
    for (Conn &c : m_conns) {
        if (c.fd >= 0) {
            ::close(c.fd);
            c.fd = -1;
        }
        c.state = State::Closed;
    }
}

} // namespace confab::bench
