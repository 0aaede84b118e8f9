// The wall clock the ledger and its services read: microseconds since the
// Unix epoch, UTC. Thread-safe. Tests that need another time inject a clock
// through LedgerOptions::clock_us instead.

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
