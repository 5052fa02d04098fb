// `wisp` with no arguments in a terminal: the phone runs in the foreground with a console
// that takes the same commands and prints events as they happen. A pseudo-terminal stands
// in for the user's terminal.
#include "support/ports.h"
#include "support/temp_dir.h"
#include "support/wait.h"
#include "support/wisp_phone.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

namespace wisp::test {
namespace {

using namespace std::chrono_literals;

class TerminalSession {
public:
  bool start(const std::filesystem::path &profile) {
    pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      execl(WISP_BINARY, "wisp", "--profile", profile.c_str(), "--audio-in", "null",
            "--audio-out", "null", static_cast<char *>(nullptr));
      _exit(127);
    }
    return pid_ > 0;
  }
  ~TerminalSession() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0)
      close(master_);
  }
  void type(const std::string &line) {
    std::string l = line + "\n";
    EXPECT_EQ(write(master_, l.data(), l.size()), ssize_t(l.size()));
  }
  // Reads the screen until `text` appears.
  bool waitFor(const std::string &text, std::chrono::milliseconds timeout) {
    return waitUntil(
        [&] {
          pollfd p{master_, POLLIN, 0};
          while (poll(&p, 1, 0) > 0) {
            char buf[4096];
            ssize_t n = read(master_, buf, sizeof buf);
            if (n <= 0)
              break;
            screen_.append(buf, size_t(n));
          }
          return screen_.find(text, seen_) != std::string::npos;
        },
        timeout);
  }
  void markSeen() { seen_ = screen_.size(); }
  std::optional<int> waitExit(std::chrono::milliseconds timeout) {
    int status = 0;
    if (!waitUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout))
      return std::nullopt;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  const std::string &screen() const { return screen_; }

private:
  pid_t pid_ = -1;
  int master_ = -1;
  std::string screen_;
  size_t seen_ = 0;
};

TEST(Console, RunsCommandsAndShowsEvents) {
  TempDir dir("con");
  WispPhone bob;
  ASSERT_TRUE(bob.start({}, dir / "bob").ok());
  const auto profile = dir / "alice";
  std::filesystem::create_directories(profile);
  const uint16_t rtp = freePortRange(41);
  ASSERT_TRUE(writeTextFile(profile / "wisp.ini",
                            "[Settings]\nlistenAddress=127.0.0.1\nsourcePort=" +
                                std::to_string(freeUdpTcpPort()) + "\nrtpPortMin=" +
                                std::to_string(rtp) + "\nrtpPortMax=" + std::to_string(rtp + 40) +
                                "\n")
                  .ok());
  TerminalSession term;
  ASSERT_TRUE(term.start(profile));
  ASSERT_TRUE(term.waitFor("wisp> ", 5s)) << term.screen();

  term.type("status");
  EXPECT_TRUE(term.waitFor("listening: udp 127.0.0.1:", 5s)) << term.screen();
  term.type("hangpu");
  EXPECT_TRUE(term.waitFor("did you mean \"hangup\"", 5s)) << term.screen();
  term.type("dial " + bob.uri("bob"));
  EXPECT_TRUE(term.waitFor("calling " + bob.uri("bob"), 5s)) << term.screen();
  ASSERT_TRUE(bob.waitForCallState("ringing", 5s));
  ASSERT_TRUE(bob.command("answer").ok());
  // The event is printed without anyone asking.
  EXPECT_TRUE(term.waitFor("established", 5s)) << term.screen();
  term.markSeen();
  term.type("exit");
  EXPECT_EQ(term.waitExit(10s), 0) << term.screen();
  EXPECT_TRUE(bob.waitForNoCalls(5s)) << "exit hangs up";
}

} // namespace
} // namespace wisp::test
