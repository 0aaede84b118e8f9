#include "tests/services/command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string_view>
#include <thread>

#include "tests/services/server_process.h"

extern char** environ;

namespace timebank::testing {

std::ostream& operator<<(std::ostream& os, const CommandRun& run) {
  return os << "exit " << run.exit_code << "\n--- stdout:\n"
            << run.out << "--- stderr:\n"
            << run.err;
}

CommandRun RunCommand(std::vector<std::string> args, const std::string& work_dir,
                      std::chrono::seconds timeout,
                      const std::vector<std::string>& env) {
  static std::atomic<int> runs{0};
  const std::string stem = work_dir + "/.command-" + std::to_string(++runs);
  const std::string out_path = stem + ".out";
  const std::string err_path = stem + ".err";
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> variables;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with("TIMEBANK_")) variables.push_back(*e);
  }
  variables.insert(variables.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& variable : variables) envp.push_back(variable.data());
  envp.push_back(nullptr);
  const int out_fd =
      ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd =
      ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  CommandRun run;
  if (out_fd < 0 || err_fd < 0 || in_fd < 0) return run;
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
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
  ::close(out_fd);
  ::close(err_fd);
  ::close(in_fd);
  if (pid < 0) return run;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      wait_status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (wait_status != -1 && WIFEXITED(wait_status)) {
    run.exit_code = WEXITSTATUS(wait_status);
  }
  run.out = ReadWholeFile(out_path).value_or("");
  run.err = ReadWholeFile(err_path).value_or("");
  return run;
}

}  // namespace timebank::testing
