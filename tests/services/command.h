// Runs one of the project's programs (the timebank CLI, `timebankd restore`,
// `timebankd --check-config`) or a tool (promtool) to completion as a
// subprocess, as an operator or a script would, and captures what it
// printed; or starts one (Prometheus) to run beside a test until stopped.
// The child gets the parent's environment without any TIMEBANK_* variable
// (plus what the caller adds), stdin from /dev/null, and is killed if it
// outlives its timeout or the thread that started it.
//
// Thread safety: RunCommand and StartCommand may be called from any thread;
// a RunningCommand is used by one thread at a time.
#ifndef TIMEBANK_TESTS_SERVICES_COMMAND_H_
#define TIMEBANK_TESTS_SERVICES_COMMAND_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
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
// `env` ("NAME=value") is added to the child's environment; a variable it
// names replaces the parent's, and a later entry an earlier one.
CommandRun RunCommand(std::vector<std::string> argv,
                      const std::string& work_dir,
                      std::chrono::seconds timeout = std::chrono::seconds(120),
                      const std::vector<std::string>& env = {});

// A program StartCommand started, running until Stop or its destructor.
class RunningCommand {
 public:
  ~RunningCommand();  // Stops it if it still runs.
  RunningCommand(const RunningCommand&) = delete;
  RunningCommand& operator=(const RunningCommand&) = delete;

  // False once it has exited (it is then reaped; exit_code says how).
  bool Running();
  // Sends SIGTERM, waits at most `timeout` and then sends SIGKILL; how it
  // ended and what it printed.
  CommandRun Stop(std::chrono::seconds timeout = std::chrono::seconds(10));
  // What it has printed so far.
  CommandRun Output() const;

 private:
  friend std::unique_ptr<RunningCommand> StartCommand(
      std::vector<std::string>, const std::string&,
      const std::vector<std::string>&);
  RunningCommand() = default;

  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string out_path_;
  std::string err_path_;
};

// As RunCommand, but returns once the program has started; nullptr if it
// could not be started (fork failed, `work_dir` unwritable). A program that
// cannot be executed exits 127 at once.
std::unique_ptr<RunningCommand> StartCommand(
    std::vector<std::string> argv, const std::string& work_dir,
    const std::vector<std::string>& env = {});

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_SERVICES_COMMAND_H_
