#include "tests/services/command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>

#include "tests/services/server_process.h"

extern char** environ;

namespace timebank::testing {

std::ostream& operator<<(std::ostream& os, const CommandRun& run) {
  return os << "exit " << run.exit_code << "\n--- stdout:\n"
            << run.out << "--- stderr:\n"
            << run.err;
}

namespace {

// A child running `args` in `work_dir`, its output in `out_path` and
// `err_path`; -1 if it could not be started.
pid_t Spawn(std::vector<std::string> args, const std::string& work_dir,
            const std::vector<std::string>& env, const std::string& out_path,
            const std::string& err_path) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // A variable the caller sets replaces the parent's (and an earlier one of
  // the caller's): getenv would find the first.
  auto name_of = [](std::string_view variable) {
    return variable.substr(0, variable.find('='));
  };
  auto set_later = [&](std::string_view name, size_t from) {
    for (size_t i = from; i < env.size(); ++i) {
      if (name_of(env[i]) == name) return true;
    }
    return false;
  };
  std::vector<std::string> variables;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view variable = *e;
    if (variable.starts_with("TIMEBANK_")) continue;
    if (set_later(name_of(variable), 0)) continue;
    variables.push_back(*e);
  }
  for (size_t i = 0; i < env.size(); ++i) {
    if (!set_later(name_of(env[i]), i + 1)) variables.push_back(env[i]);
  }
  std::vector<char*> envp;
  for (std::string& variable : variables) envp.push_back(variable.data());
  envp.push_back(nullptr);
  const int out_fd =
      ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd =
      ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = -1;
  if (out_fd >= 0 && err_fd >= 0 && in_fd >= 0) {
    const pid_t parent = ::getpid();
    pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      ::dup2(in_fd, STDIN_FILENO);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      if (::chdir(work_dir.c_str()) != 0) ::_exit(126);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  for (const int fd : {out_fd, err_fd, in_fd}) {
    if (fd >= 0) ::close(fd);
  }
  return pid;
}

// Waits at most `timeout` for `pid` to exit; its exit code, or -1 if a
// signal ended it or it was still running (it is then killed).
int WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

// Paths for the output of one more command in `work_dir`.
std::pair<std::string, std::string> OutputPaths(const std::string& work_dir) {
  static std::atomic<int> runs{0};
  const std::string stem = work_dir + "/.command-" + std::to_string(++runs);
  return {stem + ".out", stem + ".err"};
}

}  // namespace

CommandRun RunCommand(std::vector<std::string> args,
                      const std::string& work_dir, std::chrono::seconds timeout,
                      const std::vector<std::string>& env) {
  const auto [out_path, err_path] = OutputPaths(work_dir);
  CommandRun run;
  const pid_t pid = Spawn(std::move(args), work_dir, env, out_path, err_path);
  if (pid < 0) return run;
  run.exit_code = WaitForExit(pid, timeout);
  run.out = ReadWholeFile(out_path).value_or("");
  run.err = ReadWholeFile(err_path).value_or("");
  return run;
}

std::unique_ptr<RunningCommand> StartCommand(
    std::vector<std::string> args, const std::string& work_dir,
    const std::vector<std::string>& env) {
  std::unique_ptr<RunningCommand> command(new RunningCommand());
  std::tie(command->out_path_, command->err_path_) = OutputPaths(work_dir);
  command->pid_ = Spawn(std::move(args), work_dir, env, command->out_path_,
                        command->err_path_);
  if (command->pid_ < 0) return nullptr;
  return command;
}

RunningCommand::~RunningCommand() {
  if (pid_ > 0) Stop(std::chrono::seconds(5));
}

bool RunningCommand::Running() {
  if (pid_ <= 0) return false;
  int wait_status = 0;
  if (::waitpid(pid_, &wait_status, WNOHANG) == 0) return true;
  exit_code_ = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  pid_ = -1;
  return false;
}

CommandRun RunningCommand::Stop(std::chrono::seconds timeout) {
  if (Running()) {
    ::kill(pid_, SIGTERM);
    exit_code_ = WaitForExit(pid_, timeout);
    pid_ = -1;
  }
  return Output();
}

CommandRun RunningCommand::Output() const {
  return {.exit_code = exit_code_,
          .out = ReadWholeFile(out_path_).value_or(""),
          .err = ReadWholeFile(err_path_).value_or("")};
}

}  // namespace timebank::testing
