// stream_connection.cc - buffered request/reply I/O for one client.
#include "core/server/stream_connection.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "core/log/log.h"

namespace core::server {

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
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
  arm_idle();
  return true;
}

void StreamConnection::arm_idle() {
  timeval tv{static_cast<time_t>(listener_->options.idle_timeout.count()), 0};
  evtimer_add(idle_, &tv);
}

void StreamConnection::write(std::string_view bytes) {
  if (closed_ || closing_) return;
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

void StreamConnection::pause_input() {
  if (closed_ || paused_) return;
  paused_ = true;
  evtimer_del(idle_);
  if (!closing_) bufferevent_disable(bev_, EV_READ);
}

// resume_input - parse what is buffered on the next loop turn, not inside
// the caller (a DONE callback), so handlers never re-enter themselves.
void StreamConnection::resume_input() {
  if (closed_ || !paused_) return;
  paused_ = false;
  if (closing_) return;
  if (!eof_) bufferevent_enable(bev_, EV_READ);
  arm_idle();
  event_active(resume_, EV_READ, 0);
}

// process - feed buffered input to the session until it wants more or pauses.
void StreamConnection::process() {
  if (in_process_ || closed_) return;
  auto self = shared_from_this();
  in_process_ = true;
  while (!paused_ && !closing_ && !closed_) {
    evbuffer* in = bufferevent_get_input(bev_);
    size_t len = evbuffer_get_length(in);
    if (len == 0) break;
    auto* data = reinterpret_cast<const char*>(evbuffer_pullup(in, -1));
    size_t used = session_->on_input(self, std::string_view(data, len));
    if (closed_) break;
    if (used > len) log::panic("{}: session consumed {} of {} bytes", listener_->address, used, len);
    if (used == 0) break;
    evbuffer_drain(in, used);
    if (!paused_ && !closing_) arm_idle();
  }
  in_process_ = false;
  if (closed_ || closing_) {
    if (closed_) session_.reset();
    return;
  }
  size_t unread = evbuffer_get_length(bufferevent_get_input(bev_));
  if (unread > listener_->options.max_input) {
    log::warning("{}: client {} sent {} bytes without a complete request (limit {}); closing", listener_->address,
                 peer_, unread, listener_->options.max_input);
    finish();
  } else if (eof_ && !paused_) {
    close();
  }
}

void StreamConnection::on_read(bufferevent*, void* arg) { static_cast<StreamConnection*>(arg)->process(); }

void StreamConnection::on_resume(int, short, void* arg) { static_cast<StreamConnection*>(arg)->process(); }

// on_write - output drained: a closing connection can go now.
void StreamConnection::on_write(bufferevent*, void* arg) {
  auto* c = static_cast<StreamConnection*>(arg);
  if (c->closing_ && evbuffer_get_length(bufferevent_get_output(c->bev_)) == 0) c->finish();
}

// on_event - EOF: answer what is buffered, then close; errors and write
// timeouts: drop the client.
void StreamConnection::on_event(bufferevent*, short what, void* arg) {
  auto* c = static_cast<StreamConnection*>(arg);
  auto self = c->shared_from_this();
  if (what & BEV_EVENT_EOF) {
    c->eof_ = true;
    bufferevent_disable(c->bev_, EV_READ);
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
}

}  // namespace core::server
