// domain_usage.h - a cheap running total of one domain's storage, for the
// domain storage cap (Postfix Admin's domain.quota). The file
// <directory>/<domain> holds "<bytes> <count>" lines like maildirsize's usage
// lines: each delivery appends "<size> 1", and a mailbox recalculation
// appends the correction it found (new total minus the old sum), so deletes
// show up once the mailbox is recounted. The file is compacted to one line
// under flock(2) when it reaches 5120 bytes. Errors are Retry errors.
// XXX(vdelivery, 2026-11): the total starts at 0 when the cap is first
// configured (existing mail is not counted until each mailbox is
// recounted), and mailboxes without a quota never recount.
// Not thread-safe; safe across processes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/mailbox/maildirsize.h"
#include "core/table/table.h"

namespace core::mailbox {

// domain_cap - the storage cap in bytes for DOMAIN from MAPS
// (vdelivery_domain_quota_maps, key "@domain"); 0 = none (not found, 0 or
// negative). Lookup and parse errors are returned.
core::Result<int64_t> domain_cap(core::table::Table& maps, std::string_view domain);

// domain_usage_directory - CONFIGURED (vdelivery_domain_usage_directory), or
// "" for the default $mailbox_base/.vdelivery-domains.
std::string domain_usage_directory(std::string_view configured, std::string_view mailbox_base);

class DomainUsage {
 public:
  DomainUsage(std::string directory, std::string domain);
  // read - the current total (0 when the file does not exist yet).
  core::Result<Usage> read() const;
  // add - append a delta line (creates the directory and file as needed).
  core::Status add(int64_t bytes, int64_t count) const;

 private:
  std::string directory_;
  std::string path_;
};

}  // namespace core::mailbox
