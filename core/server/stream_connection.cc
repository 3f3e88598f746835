// stream_connection.cc - buffered request/reply I/O for one client.
#include "core/server/stream_connection.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>

#include "core/log/log.h"

namespace core::server {

// Replies waiting for a slow reader, above which we stop reading requests.
constexpr size_t kMaxPendingOutput = 1 << 20;

StreamConnection::StreamConnection(Listener* listener, bufferevent* bev, std::string peer)
    : listener_(listener), bev_(bev), peer_(std::move(peer)), address_(listener->address) {}

StreamConnection::~StreamConnection() {
  if (idle_ != nullptr) event_free(idle_);
  if (resume_ != nullptr) event_free(resume_);
  if (bev_ != nullptr) bufferevent_free(bev_);
}

// start - wire the callbacks, create the session, arm the idle timer.
bool StreamConnection::start(event_base* base) {
  idle_ = evtimer_new(base, on_idle, this);
  resume_ = event_new(base, -1, 0, on_resume, this);
  session_ = listener_->factory(std::static_pointer_cast<Connection>(shared_from_this()));
  if (!session_) return false;
  bufferevent_setcb(bev_, on_read, on_write, on_event, this);
  timeval tv{static_cast<time_t>(listener_->options.idle_timeout.count()), 0};
  bufferevent_set_timeouts(bev_, nullptr, &tv);
  // Read no more than max_input ahead of the parser (see pause_input).
  bufferevent_setwatermark(bev_, EV_READ, 0, listener_->options.max_input + 1);
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
  arm_idle();
  return true;
}

void StreamConnection::arm_idle() {
  timeval tv{static_cast<time_t>(listener_->options.idle_timeout.count()), 0};
  evtimer_add(idle_, &tv);
}

// write - send at once when nothing is queued (one syscall, no epoll_ctl to
// switch the write event on and off per reply); queue the rest.
void StreamConnection::write(std::string_view bytes) {
  if (closed_ || closing_) return;
  if (evbuffer_get_length(bufferevent_get_output(bev_)) == 0) {
    ssize_t n = ::send(bufferevent_getfd(bev_), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
    if (bytes.empty()) return;
  }
  bufferevent_write(bev_, bytes.data(), bytes.size());
}

// close - stop reading; finish once the output buffer is empty.
void StreamConnection::close() {
  if (closed_ || closing_) return;
  closing_ = true;
  bufferevent_disable(bev_, EV_READ);
  evtimer_del(idle_);
  if (evbuffer_get_length(bufferevent_get_output(bev_)) == 0) finish();
}

// pause_input - stop parsing. The socket stays enabled for reading (turning
// it off and on per request costs two epoll_ctl calls): a lockstep client
// sends nothing more meanwhile, and the read high-water mark set in start()
// bounds what a pipelining one can queue.
void StreamConnection::pause_input() {
  if (closed_ || paused_) return;
  paused_ = true;
  evtimer_del(idle_);
}

// resume_input - parse what is buffered on the next loop turn, not inside
// the caller (a DONE callback), so handlers never re-enter themselves. With
// nothing buffered there is nothing to do until the next read.
void StreamConnection::resume_input() {
  if (closed_ || !paused_) return;
  paused_ = false;
  if (closing_) return;
  arm_idle();
  if (!in_process_ && (eof_ || evbuffer_get_length(bufferevent_get_input(bev_)) > 0))
    event_active(resume_, EV_READ, 0);
}

// process - feed buffered input to the session until it wants more or pauses.
void StreamConnection::process() {
  if (in_process_ || closed_) return;
  auto self = shared_from_this();
  in_process_ = true;
  bool wants_more = false;  // the session saw every byte and asked for more
  while (!paused_ && !closing_ && !closed_ && !output_full_) {
    evbuffer* in = bufferevent_get_input(bev_);
    size_t len = evbuffer_get_length(in);
    if (len == 0) break;
    auto* data = reinterpret_cast<const char*>(evbuffer_pullup(in, -1));
    size_t used = session_->on_input(self, std::string_view(data, len));
    if (closed_) break;
    if (used > len) log::panic("{}: session consumed {} of {} bytes", listener_->address, used, len);
    if (used == 0) {
      wants_more = true;
      break;
    }
    evbuffer_drain(in, used);
    if (!paused_ && !closing_) arm_idle();
    // A client that sends requests but does not read replies must not grow
    // our output buffer without limit: stop reading until it drains.
    if (evbuffer_get_length(bufferevent_get_output(bev_)) > kMaxPendingOutput) output_full_ = true;
  }
  in_process_ = false;
  if (closed_ || closing_) {
    if (closed_) session_.reset();
    return;
  }
  update_reading();
  size_t unread = evbuffer_get_length(bufferevent_get_input(bev_));
  if (wants_more && unread > listener_->options.max_input) {
    log::warning("{}: client {} sent {} bytes without a complete request (limit {}); closing",
                 listener_->address, peer_, unread, listener_->options.max_input);
    finish();
  } else if (eof_ && !paused_ && !output_full_ && unread == 0) {
    close();
  } else if (eof_ && wants_more) {
    close();  // an incomplete last request will never be completed
  }
}

// update_reading - read from the socket unless closing, at EOF or blocked
// on a client that does not read its replies.
void StreamConnection::update_reading() {
  if (closed_) return;
  if (!closing_ && !eof_ && !output_full_)
    bufferevent_enable(bev_, EV_READ);
  else
    bufferevent_disable(bev_, EV_READ);
}

void StreamConnection::on_read(bufferevent*, void* arg) {
  static_cast<StreamConnection*>(arg)->process();
}

void StreamConnection::on_resume(int, short, void* arg) {
  static_cast<StreamConnection*>(arg)->process();
}

// on_write - output drained: a closing connection can go now.
void StreamConnection::on_write(bufferevent*, void* arg) {
  auto* c = static_cast<StreamConnection*>(arg);
  if (c->closing_ && evbuffer_get_length(bufferevent_get_output(c->bev_)) == 0) {
    c->finish();
  } else if (c->output_full_) {
    c->output_full_ = false;
    c->update_reading();
    event_active(c->resume_, EV_READ, 0);
  }
}

// on_event - EOF: answer what is buffered, then close; errors and write
// timeouts: drop the client.
void StreamConnection::on_event(bufferevent*, short what, void* arg) {
  auto* c = static_cast<StreamConnection*>(arg);
  auto self = c->shared_from_this();
  if (what & BEV_EVENT_EOF) {
    c->eof_ = true;
    c->update_reading();
    c->process();
    return;
  }
  if (what & BEV_EVENT_TIMEOUT)
    log::debug("{}: client {} does not read its replies; closing", c->listener_->address, c->peer_);
  else
    log::debug("{}: client {}: connection error", c->listener_->address, c->peer_);
  c->finish();
}

void StreamConnection::on_idle(int, short, void* arg) {
  auto* c = static_cast<StreamConnection*>(arg);
  log::debug("{}: client {} idle for {}s; closing", c->listener_->address, c->peer_,
             c->listener_->options.idle_timeout.count());
  c->finish();
}

// finish - release the socket and session and leave the listener's table.
void StreamConnection::finish() {
  if (closed_) return;
  auto self = shared_from_this();
  closed_ = true;
  evtimer_del(idle_);
  event_del(resume_);
  bufferevent_free(bev_);
  bev_ = nullptr;
  if (!in_process_) session_.reset();
  listener_->connections.erase(this);  // may drop the last reference but for SELF
  if (listener_->connections.empty() && listener_->on_empty) listener_->on_empty();
}

}  // namespace core::server
