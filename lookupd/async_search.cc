// async_search.cc - first hit wins, first error stops, without blocking the loop.
#include "lookupd/async_search.h"

namespace lookupd {
namespace {

struct Walk {
  std::vector<core::table::Table*> tables;
  std::vector<KeyForm> forms;
  bool propagate = false;
  std::shared_ptr<const void> keep;
  std::function<void(core::table::LookupResult)> done;
  size_t form = 0;
  size_t index = 0;
  bool waiting = false;  // a lookup_async is outstanding
  bool inside = false;   // step() is on the stack (answer may come inline)
  bool finished = false;
};

// settle - finish W on an error or a hit; false when the search goes on.
bool settle(Walk& w, core::table::LookupResult r) {
  if (r && !r->has_value()) return false;
  w.finished = true;
  const std::string& ext = w.forms[w.form].extension;
  if (r && w.propagate && !ext.empty()) r = core::table::found(propagate_extension(**r, ext));
  auto done = std::move(w.done);
  auto keep = std::move(w.keep);
  done(std::move(r));
  return true;
}

// step - try the next (form, table) pairs until one is outstanding or the walk ends.
void step(const std::shared_ptr<Walk>& w) {
  while (w->form < w->forms.size()) {
    if (w->index >= w->tables.size()) {
      ++w->form;
      w->index = 0;
      continue;
    }
    core::table::Table* t = w->tables[w->index];
    const std::string& key = w->forms[w->form].key;
    if (!t->supports_async()) {
      if (settle(*w, t->lookup(key))) return;
      ++w->index;
      continue;
    }
    w->waiting = true;
    w->inside = true;
    t->lookup_async(key, [w](core::table::LookupResult r) {
      w->waiting = false;
      if (settle(*w, std::move(r))) return;
      ++w->index;
      if (!w->inside) step(w);
    });
    w->inside = false;
    if (w->waiting || w->finished) return;
  }
  w->finished = true;
  auto done = std::move(w->done);
  auto keep = std::move(w->keep);
  done(core::table::not_found());
}

}  // namespace

bool loop_capable(const core::table::Table& table) {
  auto ok = [](const core::table::Table& t) { return t.supports_async() || t.in_memory(); };
  if (const auto* list = dynamic_cast<const core::table::TableList*>(&table)) {
    for (const auto& t : list->tables())
      if (!ok(*t)) return false;
    return true;
  }
  return ok(table);
}

void search_async(core::table::Table& table, std::vector<KeyForm> forms, bool propagate,
                  std::shared_ptr<const void> keep, std::function<void(core::table::LookupResult)> done) {
  auto w = std::make_shared<Walk>();
  if (auto* list = dynamic_cast<core::table::TableList*>(&table)) {
    for (const auto& t : list->tables()) w->tables.push_back(t.get());
  } else {
    w->tables.push_back(&table);
  }
  w->forms = std::move(forms);
  w->propagate = propagate;
  w->keep = std::move(keep);
  w->done = std::move(done);
  step(w);
}

}  // namespace lookupd
