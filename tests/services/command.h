// Runs one of the project's programs (the timebank CLI, `timebankd restore`,
// `timebankd --check-config`) to completion as a subprocess, as an operator
// or a script would, and captures what it printed. The child gets the
// parent's environment without any TIMEBANK_* variable (plus what the
// caller adds), stdin from
// /dev/null, and is killed if it outlives its timeout.
//
// Thread safety: RunCommand may be called from any thread.

#ifndef TIMEBANK_TESTS_SERVICES_COMMAND_H_
#define TIMEBANK_TESTS_SERVICES_COMMAND_H_

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

namespace timebank::testing {

struct CommandRun {
  // The exit code; -1 if the program did not finish in time or a signal
  // ended it.
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const CommandRun& run);

// `argv[0]` is the program's path. Output goes through files in `work_dir`.
// `env` ("NAME=value") is added to the child's environment.
CommandRun RunCommand(std::vector<std::string> argv, const std::string& work_dir,
                      std::chrono::seconds timeout = std::chrono::seconds(120),
                      const std::vector<std::string>& env = {});

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_SERVICES_COMMAND_H_
