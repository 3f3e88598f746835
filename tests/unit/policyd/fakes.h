// fakes.h - policyd test doubles: a table that records keys and can fail,
// a Connection that records writes and plays the server's input loop, and
// a request builder.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/server/server.h"
#include "core/table/table.h"
#include "policyd/check.h"

namespace policyd::test {

using Answers = std::map<std::string, std::string>;

class FakeTable final : public core::table::Table {
 public:
  FakeTable(std::map<std::string, std::string> answers, std::set<std::string> fail = {})
      : answers_(std::move(answers)), fail_(std::move(fail)) {}
  core::table::LookupResult lookup(std::string_view key) override {
    std::lock_guard lock(mu_);
    std::string k(key);
    asked_.push_back(k);
    if (fail_.count(k) || fail_.count("*")) return core::retry_error("fake: database down");
    auto it = answers_.find(k);
    if (it == answers_.end()) return core::table::not_found();
    return core::table::found(it->second);
  }
  std::vector<std::string> asked() {
    std::lock_guard lock(mu_);
    return asked_;
  }
  void set_fail(std::set<std::string> fail) {
    std::lock_guard lock(mu_);
    fail_ = std::move(fail);
  }
  void set_answers(std::map<std::string, std::string> answers) {
    std::lock_guard lock(mu_);
    answers_ = std::move(answers);
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> answers_;
  std::set<std::string> fail_;
  std::vector<std::string> asked_;
};

class FakeConnection final : public core::server::Connection {
 public:
  std::string out, in;
  bool paused = false, closed_flag = false;
  core::server::Session* session = nullptr;

  void write(std::string_view b) override { out.append(b); }
  void close() override { closed_flag = true; }
  void pause_input() override { paused = true; }
  void resume_input() override {
    paused = false;
    pump();
  }
  bool closed() const override { return closed_flag; }
  const std::string& peer() const override { return peer_; }
  const std::string& listener() const override { return listener_; }
  void feed(std::string_view bytes) {
    in.append(bytes);
    pump();
  }
  void pump() {
    auto self = shared_from_this();
    while (!paused && !closed_flag && !in.empty()) {
      size_t used = session->on_input(self, in);
      if (used == 0) break;
      in.erase(0, used);
    }
  }

 private:
  std::string peer_ = "127.0.0.1:40000", listener_ = "inet:127.0.0.1:9998";
};

// rcpt - a RCPT-state request as Postfix 3.7 sends it, with OVERRIDES applied.
inline Request rcpt(std::map<std::string, std::string> overrides = {}) {
  std::vector<std::pair<std::string, std::string>> attrs = {
      {"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"},  {"protocol_name", "ESMTP"},
      {"client_address", "192.0.2.7"},    {"client_name", "mx.example"}, {"helo_name", "mx.example"},
      {"sender", "s@example.net"},        {"recipient", "r@local.test"}, {"queue_id", ""},
      {"sasl_method", ""},                {"sasl_username", ""},         {"size", "0"},
  };
  Request r;
  for (auto& [n, v] : attrs) {
    auto it = overrides.find(n);
    if (it != overrides.end()) {
      v = it->second;
      overrides.erase(it);
    }
    r.add(n, v);
  }
  for (auto& [n, v] : overrides) r.add(n, v);
  return r;
}

}  // namespace policyd::test
