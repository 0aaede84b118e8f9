// The wall clock: microseconds since the Unix epoch, UTC. Thread-safe.
// It is the ledger's clock unless LedgerOptions::clock_us injects another;
// whatever judges time against the ledger's records reads Ledger::NowUs, so
// that an injected clock holds for it too. Only times of the process itself
// (metrics, how long a write took) read this directly.

#ifndef TIMEBANK_LEDGER_CLOCK_H_
#define TIMEBANK_LEDGER_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace timebank::ledger {

inline int64_t SystemClockUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_CLOCK_H_
