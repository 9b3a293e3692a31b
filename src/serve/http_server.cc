// The HTTP/1.1 layer (Boost.Beast, kept to this file): a fixed pool of threads
// running one io_context, keep-alive sessions with a body limit (413), header
// limit and an idle/slow-client timeout. All logic is in ServeCore::Handle.
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <optional>
#include <thread>

#include "adpilot/error.h"
#include "serve/serve_core.h"

namespace adpilot {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr uint32_t kHeaderLimit = 16 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServeCore& core, const ServerOptions& opts)
      : stream_(std::move(socket)),
        core_(core),
        max_body_(uint64_t(opts.max_body_bytes)),
        idle_(opts.idle_timeout_ms) {}

  void Start() { ReadHeader(); }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(max_body_);
    stream_.expires_after(std::chrono::milliseconds(idle_));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue), [self = shared_from_this()](beast::error_code ec2, size_t) {
        if (ec2) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) return SendError(413, "{\"error\":\"request body too large\"}");
    if (ec == http::error::header_limit) return SendError(431, "{\"error\":\"request header too large\"}");
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return SendError(400, "{\"error\":\"malformed HTTP request\"}");
    Close();  // closed by the peer, timed out or cut mid-message
  }

  void OnRead(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    HttpReply r = core_.Handle(std::string_view(req.method_string()), std::string_view(req.target()), req.body(),
                               std::string_view(req[http::field::authorization]));
    res_.emplace();
    res_->version(req.version());
    res_->result(http::int_to_status(unsigned(r.status)));
    res_->set(http::field::server, "adpilot");
    if (r.status != 204) {
      res_->set(http::field::content_type, r.content_type);
      res_->body() = std::move(r.body);
    }
    res_->keep_alive(req.keep_alive());
    res_->prepare_payload();
    Write(!req.keep_alive());
  }

  void SendError(int status, std::string body) {
    res_.emplace();
    res_->version(11);
    res_->result(http::int_to_status(unsigned(status)));
    res_->set(http::field::server, "adpilot");
    res_->set(http::field::content_type, "application/json");
    res_->body() = std::move(body);
    res_->keep_alive(false);
    res_->prepare_payload();
    core_.metrics().CountResponse(status);
    Write(true);
  }

  void Write(bool close) {
    stream_.expires_after(std::chrono::milliseconds(idle_));
    http::async_write(stream_, *res_, [self = shared_from_this(), close](beast::error_code ec, size_t) {
      if (ec || close) return self->Close();
      self->ReadHeader();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> res_;
  ServeCore& core_;
  uint64_t max_body_;
  int idle_;
};

}  // namespace

// One io_context per worker thread (concurrency hint 1: no scheduler locking),
// connections dealt round-robin; the acceptor lives on the first.
struct Server::Net {
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> retry;
  std::vector<std::thread> threads;
  size_t next = 0;
  int port = 0;
  bool started = false, stopped = false;
  std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;
};

namespace {
void Accept(Server::Net* net, ServeCore* core, const ServerOptions* opts);
}

Server::Server(ServeConfig cfg, const Context& ctx, ScorerFactory factory, std::unique_ptr<BudgetLedger> ledger)
    : core_(std::make_unique<ServeCore>(std::move(cfg), ctx, std::move(factory), std::move(ledger))),
      net_(std::make_unique<Net>()),
      ctx_(ctx) {}

Server::~Server() { Stop(); }

void Server::Start() {
  ADP_CHECK(!net_->started);
  const ServerOptions& o = core_->config().server;
  beast::error_code ec;
  auto addr = asio::ip::make_address(o.host, ec);
  if (ec) Throw(ErrorCode::kInvalidArgument, "[server] host '{}': not an IP address", o.host);
  tcp::endpoint ep(addr, uint16_t(o.port));
  for (int i = 0; i < o.threads; ++i) {
    net_->iocs.push_back(std::make_unique<asio::io_context>(1));
    net_->guards.push_back(asio::make_work_guard(*net_->iocs.back()));
  }
  net_->acceptor.emplace(*net_->iocs[0]);
  net_->acceptor->open(ep.protocol(), ec);
  if (!ec) net_->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) net_->acceptor->bind(ep, ec);
  if (!ec) net_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) Throw(ErrorCode::kIOError, "cannot listen on {}:{}: {}", o.host, o.port, ec.message());
  net_->port = net_->acceptor->local_endpoint().port();
  if (o.public_url.empty()) core_->set_public_url("http://" + o.host + ":" + std::to_string(net_->port));
  net_->retry.emplace(*net_->iocs[0]);
  Accept(net_.get(), core_.get(), &o);
  net_->started = true;
  for (auto& ioc : net_->iocs) net_->threads.emplace_back([io = ioc.get()] { io->run(); });
  ctx_.log().info("serving on http://{}:{} with {} threads", o.host, net_->port, o.threads);
}

namespace {
void Accept(Server::Net* net, ServeCore* core, const ServerOptions* opts) {
  asio::io_context& peer = *net->iocs[net->next++ % net->iocs.size()];
  net->acceptor->async_accept(peer, [net, core, opts](beast::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !net->acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors or similar: wait a little instead of spinning.
      net->retry->expires_after(std::chrono::milliseconds(50));
      net->retry->async_wait([net, core, opts](beast::error_code) { Accept(net, core, opts); });
      return;
    }
    s.set_option(tcp::no_delay(true), ec);
    std::make_shared<Session>(std::move(s), *core, *opts)->Start();
    Accept(net, core, opts);
  });
}
}  // namespace

int Server::port() const { return net_->port; }

void Server::Stop() {
  if (!net_ || net_->stopped) return;
  net_->stopped = true;
  if (net_->started) {
    for (auto& g : net_->guards) g.reset();
    for (auto& ioc : net_->iocs) ioc->stop();
    for (auto& t : net_->threads) t.join();
    beast::error_code ec;
    net_->acceptor->close(ec);
  }
  core_->Shutdown();
  {
    std::lock_guard lock(net_->mu);
    net_->stop_requested = true;
  }
  net_->cv.notify_all();
}

void Server::Wait(bool handle_signals) {
  std::optional<asio::io_context> sig_ioc;
  std::optional<asio::signal_set> signals;
  std::thread sig_thread;
  if (handle_signals) {
    sig_ioc.emplace();
    signals.emplace(*sig_ioc, SIGINT, SIGTERM);
    signals->async_wait([this](beast::error_code ec, int) {
      if (ec) return;
      ctx_.log().info("signal received: stopping");
      std::lock_guard lock(net_->mu);
      net_->stop_requested = true;
      net_->cv.notify_all();
    });
    sig_thread = std::thread([&] { sig_ioc->run(); });
  }
  {
    std::unique_lock lock(net_->mu);
    net_->cv.wait(lock, [&] { return net_->stop_requested; });
  }
  if (handle_signals) {
    sig_ioc->stop();
    sig_thread.join();
  }
  Stop();
}

HttpReply Server::Handle(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view authorization) {
  return core_->Handle(method, target, body, authorization);
}

bool Server::Reload(std::string* error) { return core_->Reload(error); }
BudgetLedger& Server::ledger() { return core_->ledger(); }
void Server::Sweep() { core_->SweepNow(); }

}  // namespace adpilot
