#include "services/journal_feed.h"

#include "absl/strings/str_cat.h"

namespace timebank::services {

void JournalFeed::OnCommit(const std::vector<ledger::JournalEntry>& entries) {
  {
    std::lock_guard lock(mu_);
    for (const ledger::JournalEntry& entry : entries) {
      ledger::Seq& last = last_seq_[entry.timebank_id];
      if (entry.seq > last) last = entry.seq;
    }
  }
  changed_.notify_all();
}

void JournalFeed::WaitPast(const std::string& timebank_id, ledger::Seq seq,
                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, timeout, [&] {
    if (shutting_down_) return true;
    auto it = last_seq_.find(timebank_id);
    return it != last_seq_.end() && it->second > seq;
  });
}

void JournalFeed::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
  }
  changed_.notify_all();
}

bool JournalFeed::shutting_down() const {
  std::lock_guard lock(mu_);
  return shutting_down_;
}

int JournalFeed::open_streams() const {
  std::lock_guard lock(mu_);
  return streams_;
}

absl::StatusOr<JournalFeed::Slot> JournalFeed::Acquire(
    const std::string& token_id) {
  std::lock_guard lock(mu_);
  // The token's own cap first: a caller at it should close a stream, not
  // wait for the server to have room.
  auto mine = streams_by_token_.find(token_id);
  if (mine != streams_by_token_.end() &&
      mine->second >= limits_.streams_per_token_max) {
    return absl::ResourceExhaustedError(
        absl::StrCat("authorization: this token already has ",
                     limits_.streams_per_token_max, " journal streams open"));
  }
  if (streams_ >= limits_.streams_max) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "timebank_id: the server already has ", limits_.streams_max,
        " journal streams open; try again later"));
  }
  ++streams_by_token_[token_id];
  ++streams_;
  return Slot(this, token_id);
}

JournalFeed::Slot::~Slot() {
  if (feed_ == nullptr) return;
  std::lock_guard lock(feed_->mu_);
  --feed_->streams_;
  if (--feed_->streams_by_token_[token_id_] == 0) {
    feed_->streams_by_token_.erase(token_id_);
  }
}

}  // namespace timebank::services
