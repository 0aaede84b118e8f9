// The journal archive format and the replay plan: which source entries
// become which writes, with which request ids, and which archives are
// refused.

#include "client/journal_replay.h"

#include <gtest/gtest.h>

#include <sstream>

namespace timebank::client {
namespace {

namespace v1 = ::timebank::v1;

v1::JournalEntry Record(
    uint64_t seq, const std::string& giver, const std::string& receiver,
    int64_t minutes,
    v1::ExchangeStatus initial = v1::EXCHANGE_STATUS_CONFIRMED) {
  v1::JournalEntry entry;
  entry.set_timebank_id("source");
  entry.set_seq(seq);
  entry.set_kind(v1::ENTRY_KIND_RECORD);
  entry.set_request_id("r" + std::to_string(seq));
  entry.set_initial_status(initial);
  entry.set_giver_id(giver);
  entry.set_receiver_id(receiver);
  entry.set_minutes(minutes);
  entry.set_category("gardening");
  entry.set_description("Front garden \"quoted\"\nsecond line");
  entry.set_occurred_on("2026-05-01");
  entry.set_hash(std::string(32, '\x7f'));
  return entry;
}

v1::JournalEntry Acting(uint64_t seq, v1::EntryKind kind, uint64_t target,
                        const std::string& note = "") {
  v1::JournalEntry entry;
  entry.set_timebank_id("source");
  entry.set_seq(seq);
  entry.set_kind(kind);
  entry.set_request_id("a" + std::to_string(seq));
  entry.set_target_seq(target);
  entry.set_note(note);
  return entry;
}

TEST(JournalArchive, LinesRoundTripEveryField) {
  const v1::JournalEntry entry = Record(1, "kathy", "vera", 90);
  absl::StatusOr<std::string> line = ArchiveLine(entry);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_EQ(line->find('\n'), std::string::npos);
  EXPECT_NE(line->find("\"giver_id\":\"kathy\""), std::string::npos);
  absl::StatusOr<v1::JournalEntry> back = ParseArchiveLine(*line, 1);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->SerializeAsString(), entry.SerializeAsString());
}

TEST(JournalArchive, ReadSkipsBlankLinesAndNamesABadOne) {
  std::istringstream good(*ArchiveLine(Record(1, "a", "b", 5)) + "\n\n" +
                          *ArchiveLine(Record(2, "b", "a", 6)) + "\n");
  absl::StatusOr<std::vector<v1::JournalEntry>> entries = ReadArchive(good);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[1].minutes(), 6);

  std::istringstream bad(*ArchiveLine(Record(1, "a", "b", 5)) +
                         "\n{not json\n");
  absl::StatusOr<std::vector<v1::JournalEntry>> refused = ReadArchive(bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message().substr(0, 7), "line 2:");
}

TEST(ReplayPlan, RecordsConfirmedAtOnceAndPendingWhenConfirmed) {
  const std::vector<v1::JournalEntry> journal = {
      Record(1, "kathy", "vera", 60),
      Record(2, "vera", "olga", 30, v1::EXCHANGE_STATUS_PENDING),
      Record(3, "olga", "kathy", 20, v1::EXCHANGE_STATUS_PENDING),
      Record(4, "olga", "vera", 10, v1::EXCHANGE_STATUS_PENDING),
      Acting(5, v1::ENTRY_KIND_REJECT, 3, "did not happen"),
      Record(6, "kathy", "olga", 45),
      Acting(7, v1::ENTRY_KIND_CONFIRM, 2),
      Acting(8, v1::ENTRY_KIND_REVERSE, 1, "entered twice"),
  };
  absl::StatusOr<ReplayPlan> plan = PlanReplay(journal);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->source_timebank_id, "source");
  EXPECT_EQ(plan->entries, 8u);
  ASSERT_EQ(plan->steps.size(), 4u);
  EXPECT_EQ(plan->steps[0].kind, ReplayStep::Kind::kRecord);
  EXPECT_EQ(plan->steps[0].source_seq, 1u);
  EXPECT_EQ(plan->steps[0].record.minutes(), 60);
  EXPECT_EQ(plan->steps[0].record.description(), journal[0].description());
  EXPECT_EQ(plan->steps[1].source_seq, 6u);
  // The pending record counts from its confirmation on.
  EXPECT_EQ(plan->steps[2].kind, ReplayStep::Kind::kRecord);
  EXPECT_EQ(plan->steps[2].source_seq, 2u);
  EXPECT_EQ(plan->steps[2].record.giver_id(), "vera");
  EXPECT_EQ(plan->steps[3].kind, ReplayStep::Kind::kReverse);
  EXPECT_EQ(plan->steps[3].reversed_source_seq, 1u);
  EXPECT_EQ(plan->steps[3].reason, "entered twice");
  EXPECT_EQ(plan->skipped_rejected, 1u);
  EXPECT_EQ(plan->skipped_pending, 1u);
  EXPECT_EQ(plan->account_ids,
            (std::set<std::string>{"kathy", "olga", "vera"}));
}

TEST(ReplayPlan, RequestIdsAreStableAndDistinct) {
  const std::vector<v1::JournalEntry> journal = {
      Record(1, "kathy", "vera", 60), Record(2, "kathy", "vera", 60),
      Acting(3, v1::ENTRY_KIND_REVERSE, 2)};
  absl::StatusOr<ReplayPlan> first = PlanReplay(journal);
  absl::StatusOr<ReplayPlan> again = PlanReplay(journal);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_NE(first->steps[0].record.request_id(),
            first->steps[1].record.request_id());
  EXPECT_NE(first->steps[2].request_id, first->steps[1].record.request_id());
  for (size_t i = 0; i < first->steps.size(); ++i) {
    EXPECT_EQ(first->steps[i].record.request_id(),
              again->steps[i].record.request_id());
    EXPECT_EQ(first->steps[i].request_id, again->steps[i].request_id);
  }
  EXPECT_EQ(first->steps[0].record.request_id().substr(0, 7), "replay-");
}

TEST(ReplayPlan, RefusesGapsOtherTimebanksAndImpossibleActions) {
  EXPECT_EQ(PlanReplay({Record(2, "a", "b", 5)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  v1::JournalEntry stranger = Record(2, "a", "b", 5);
  stranger.set_timebank_id("elsewhere");
  EXPECT_EQ(PlanReplay({Record(1, "a", "b", 5), stranger}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Confirming a record that is not pending, reversing one never confirmed,
  // reversing twice.
  EXPECT_FALSE(
      PlanReplay({Record(1, "a", "b", 5), Acting(2, v1::ENTRY_KIND_CONFIRM, 1)})
          .ok());
  EXPECT_FALSE(PlanReplay({Record(1, "a", "b", 5, v1::EXCHANGE_STATUS_PENDING),
                           Acting(2, v1::ENTRY_KIND_REVERSE, 1)})
                   .ok());
  absl::StatusOr<ReplayPlan> twice =
      PlanReplay({Record(1, "a", "b", 5), Acting(2, v1::ENTRY_KIND_REVERSE, 1),
                  Acting(3, v1::ENTRY_KIND_REVERSE, 1)});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(twice.status().message().substr(0, 6), "seq 3:");
}

TEST(ReplayPlan, EmptyArchiveIsAnEmptyPlan) {
  absl::StatusOr<ReplayPlan> plan = PlanReplay({});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->steps.empty());
}

}  // namespace
}  // namespace timebank::client
