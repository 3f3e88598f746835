// stream_connection.cc - request/reply I/O for one client: read()/send() on
// a non-blocking descriptor, one persistent event per descriptor.
#include "core/server/stream_connection.h"

#include <event2/event.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/log/log.h"

namespace core::server {
namespace {

// Replies waiting for a slow reader, above which we stop reading requests.
constexpr size_t kMaxPendingOutput = 1 << 20;
// Bytes asked of the kernel per read() (bounded further by max_input).
constexpr size_t kReadChunk = 16384;
// Consumed input kept in front of unread bytes before it is moved away.
constexpr size_t kCompactAt = 4096;

bool transient(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

}  // namespace

StreamConnection::StreamConnection(Listener* listener, int fd, std::string peer)
    : listener_(listener), fd_(fd), peer_(std::move(peer)), address_(listener->address) {}

StreamConnection::~StreamConnection() {
  if (io_ != nullptr) event_free(io_);
  if (timer_ != nullptr) event_free(timer_);
  if (resume_ != nullptr) event_free(resume_);
  if (fd_ >= 0) ::close(fd_);
}

// start - create the events and the session, begin reading, arm the timer.
bool StreamConnection::start(event_base* base) {
  base_ = base;
  evutil_make_socket_nonblocking(fd_);
  io_ = event_new(base, fd_, EV_READ | EV_PERSIST, on_io, this);
  timer_ = evtimer_new(base, on_timer, this);
  resume_ = event_new(base, -1, 0, on_resume, this);
  if (io_ == nullptr || timer_ == nullptr || resume_ == nullptr) {
    log::warning("{}: cannot allocate events for client {}; dropping it", listener_->address, peer_);
    return false;
  }
  session_ = listener_->factory(std::static_pointer_cast<Connection>(shared_from_this()));
  if (!session_) return false;
  auto now = Clock::now();
  last_request_ = now;
  last_progress_ = now;
  arm_timer(now);
  update_events();
  return true;
}

// write - send at once when nothing is queued (one syscall, no event
// change per reply); queue the rest and watch for writability.
void StreamConnection::write(std::string_view bytes) {
  if (closed_ || closing_ || broken_ || bytes.empty()) return;
  if (pending_output() == 0) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
    if (bytes.empty()) return;
    if (n < 0 && !transient(errno)) {
      // Finishing here would free the session under its own on_input or a
      // DONE callback that still uses it: finish on the next loop turn.
      log::debug("{}: client {}: send: {}", listener_->address, peer_, std::strerror(errno));
      broken_ = true;
      event_active(resume_, EV_READ, 0);
      return;
    }
    out_.clear();
    out_off_ = 0;
    last_progress_ = Clock::now();
  }
  out_.append(bytes);
  update_events();
}

// close - stop reading; finish once the queued output is sent.
void StreamConnection::close() {
  if (closed_ || closing_) return;
  closing_ = true;
  if (pending_output() == 0 || broken_) return finish();
  update_events();
}

// pause_input - stop parsing. The socket stays enabled for reading (turning
// it off and on per request costs two epoll_ctl calls): a lockstep client
// sends nothing more meanwhile, and read_input() reads no more than
// max_input ahead, which bounds what a pipelining one can queue.
void StreamConnection::pause_input() {
  if (closed_ || paused_) return;
  paused_ = true;
}

// resume_input - parse what is buffered on the next loop turn, not inside
// the caller (a DONE callback), so handlers never re-enter themselves. With
// nothing buffered there is nothing to do until the next read.
void StreamConnection::resume_input() {
  if (closed_ || !paused_) return;
  paused_ = false;
  if (closing_) return;
  last_request_ = Clock::now();
  if (!in_process_ && (eof_ || in_.size() > in_off_)) event_active(resume_, EV_READ, 0);
}

// read_input - one read() of at most what max_input still allows, then parse.
void StreamConnection::read_input() {
  size_t limit = listener_->options.max_input + 1;
  size_t buffered = in_.size() - in_off_;
  if (buffered >= limit) return update_events();
  char buf[kReadChunk];
  ssize_t n = ::read(fd_, buf, std::min(sizeof buf, limit - buffered));
  if (n < 0) {
    if (transient(errno)) return;
    log::debug("{}: client {}: connection error: {}", listener_->address, peer_, std::strerror(errno));
    return finish();
  }
  if (n == 0) {
    eof_ = true;
    update_events();
  } else {
    if (in_off_ == in_.size()) {
      in_.clear();
      in_off_ = 0;
    }
    in_.append(buf, static_cast<size_t>(n));
  }
  process();
}

// flush_output - send what is queued; a closing connection goes once it is all out.
void StreamConnection::flush_output() {
  while (pending_output() > 0) {
    ssize_t n = ::send(fd_, out_.data() + out_off_, pending_output(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      out_off_ += static_cast<size_t>(n);
      last_progress_ = Clock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    log::debug("{}: client {}: connection error: {}", listener_->address, peer_, std::strerror(errno));
    return finish();
  }
  if (pending_output() > 0) return update_events();
  out_.clear();
  out_off_ = 0;
  if (closing_) return finish();
  if (output_full_) {
    output_full_ = false;
    event_active(resume_, EV_READ, 0);
  }
  update_events();
}

// process - feed buffered input to the session until it wants more or pauses.
void StreamConnection::process() {
  if (in_process_ || closed_) return;
  if (broken_) return finish();
  auto self = shared_from_this();
  in_process_ = true;
  bool wants_more = false;  // the session saw every byte and asked for more
  bool consumed = false;
  while (!paused_ && !closing_ && !closed_ && !broken_ && !output_full_) {
    size_t len = in_.size() - in_off_;
    if (len == 0) break;
    size_t used = session_->on_input(self, std::string_view(in_.data() + in_off_, len));
    if (closed_) break;
    if (used > len) log::panic("{}: session consumed {} of {} bytes", listener_->address, used, len);
    if (used == 0) {
      wants_more = true;
      break;
    }
    in_off_ += used;
    consumed = true;
    // A client that sends requests but does not read replies must not grow
    // our output buffer without limit: stop reading until it drains.
    if (pending_output() > kMaxPendingOutput) output_full_ = true;
  }
  in_process_ = false;
  if (closed_) {
    session_.reset();
    return;
  }
  if (broken_) return finish();
  if (in_off_ == in_.size()) {
    in_.clear();
    in_off_ = 0;
  } else if (in_off_ >= kCompactAt) {
    in_.erase(0, in_off_);
    in_off_ = 0;
  }
  if (closing_) return;
  if (consumed && !paused_) last_request_ = Clock::now();
  update_events();
  size_t unread = in_.size() - in_off_;
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

// update_events - read unless closing, at EOF, blocked on a client that
// does not read its replies, or max_input ahead of the parser; watch for
// writability only while output is queued. Changes the event only when
// that set changes.
void StreamConnection::update_events() {
  if (closed_) return;
  bool reading = !closing_ && !eof_ && !output_full_ && in_.size() - in_off_ <= listener_->options.max_input;
  short want = static_cast<short>((reading ? EV_READ : 0) | (pending_output() > 0 ? EV_WRITE : 0));
  if (want == io_what_) return;
  if (io_what_ != 0) event_del(io_);
  io_what_ = want;
  if (want == 0) return;
  event_assign(io_, base_, fd_, static_cast<short>(want | EV_PERSIST), on_io, this);
  event_add(io_, nullptr);
}

// arm_timer - wake at the earliest deadline that applies: idle (not paused,
// not closing) or write progress (output queued); else one timeout from now.
void StreamConnection::arm_timer(Clock::time_point now) {
  auto timeout = std::chrono::duration_cast<Clock::duration>(listener_->options.idle_timeout);
  auto deadline = now + timeout;
  if (!paused_ && !closing_) deadline = std::min(deadline, last_request_ + timeout);
  if (pending_output() > 0) deadline = std::min(deadline, last_progress_ + timeout);
  auto us = std::max<long long>(std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count(),
                                1000);
  timeval tv{static_cast<time_t>(us / 1000000), static_cast<suseconds_t>(us % 1000000)};
  evtimer_add(timer_, &tv);
}

void StreamConnection::on_io(int, short what, void* arg) {
  auto* c = static_cast<StreamConnection*>(arg);
  auto self = c->shared_from_this();
  if (what & EV_WRITE) c->flush_output();
  if (c->closed_) return;
  if (what & EV_READ) c->read_input();
}

void StreamConnection::on_resume(int, short, void* arg) {
  static_cast<StreamConnection*>(arg)->process();
}

// on_timer - drop a client that does not read its replies or sends no
// complete request for idle_timeout; otherwise sleep until the next deadline.
void StreamConnection::on_timer(int, short, void* arg) {
  auto* c = static_cast<StreamConnection*>(arg);
  if (c->closed_) return;
  auto now = Clock::now();
  auto timeout = std::chrono::duration_cast<Clock::duration>(c->listener_->options.idle_timeout);
  if (c->pending_output() > 0 && now - c->last_progress_ >= timeout) {
    log::debug("{}: client {} does not read its replies; closing", c->listener_->address, c->peer_);
    return c->finish();
  }
  if (!c->paused_ && !c->closing_ && now - c->last_request_ >= timeout) {
    log::debug("{}: client {} idle for {}s; closing", c->listener_->address, c->peer_,
               c->listener_->options.idle_timeout.count());
    return c->finish();
  }
  c->arm_timer(now);
}

// finish - release the descriptor, events and session and leave the listener's table.
void StreamConnection::finish() {
  if (closed_) return;
  auto self = shared_from_this();
  closed_ = true;
  for (event** ev : {&io_, &timer_, &resume_}) {
    if (*ev != nullptr) event_free(*ev);  // event_free deletes a pending or active event first
    *ev = nullptr;
  }
  io_what_ = 0;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!in_process_) session_.reset();
  listener_->connections.erase(this);  // may drop the last reference but for SELF
  if (listener_->connections.empty() && listener_->on_empty) listener_->on_empty();
}

}  // namespace core::server
