#include "ledger/sequencer.h"

#include <algorithm>

namespace timebank::ledger {

Sequencer::Sequencer(Options options, DraftFactory make_draft, Committer commit)
    : options_(options),
      make_draft_(std::move(make_draft)),
      commit_(std::move(commit)) {
  const int count = std::max(1, options_.writer_threads);
  for (int i = 0; i < count; ++i)
    writers_.push_back(std::make_unique<Writer>());
  for (auto& writer : writers_) {
    writer->thread = std::thread([this, w = writer.get()] { Run(*w); });
  }
}

Sequencer::~Sequencer() { Stop(); }

void Sequencer::Submit(Command command) {
  Writer& writer = *writers_[std::hash<std::string>()(command.timebank_id) %
                             writers_.size()];
  std::unique_lock lock(writer.mu);
  writer.not_full.wait(lock, [&] {
    return writer.stopping ||
           writer.queue.size() < options_.max_queued_commands;
  });
  if (writer.stopping) {
    lock.unlock();
    command.done(absl::UnavailableError("ledger: shutting down"));
    return;
  }
  writer.queue.push_back(std::move(command));
  writer.not_empty.notify_one();
}

void Sequencer::Stop() {
  std::call_once(stopped_, [this] {
    for (auto& writer : writers_) {
      std::lock_guard lock(writer->mu);
      writer->stopping = true;
      writer->not_empty.notify_all();
      writer->not_full.notify_all();
    }
    for (auto& writer : writers_) writer->thread.join();
  });
}

void Sequencer::Run(Writer& writer) {
  std::vector<Command> batch;
  for (;;) {
    {
      std::unique_lock lock(writer.mu);
      writer.not_empty.wait(
          lock, [&] { return writer.stopping || !writer.queue.empty(); });
      if (writer.queue.empty()) return;  // Stopping and drained.
      // Always take at least one command, however large, then fill up to the
      // item limit so one commit stays bounded.
      size_t items = 0;
      while (!writer.queue.empty() &&
             (batch.empty() ||
              items + writer.queue.front().items <= options_.max_batch_items)) {
        items += writer.queue.front().items;
        batch.push_back(std::move(writer.queue.front()));
        writer.queue.pop_front();
      }
      writer.not_full.notify_all();
    }
    CommitBatch(batch);
    batch.clear();
  }
}

void Sequencer::CommitBatch(std::vector<Command>& batch) {
  std::unique_ptr<Draft> draft = make_draft_();
  for (Command& command : batch) command.apply(*draft);
  const absl::Status commit = commit_(*draft, batch.size());
  for (Command& command : batch) command.done(commit);
}

}  // namespace timebank::ledger
