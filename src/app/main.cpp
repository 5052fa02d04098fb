// wisp: runs the phone, or forwards a command to the phone already running with the
// same profile (see docs/commands.md).
#include "app/cli_options.h"
#include "app/phone.h"
#include "app/url_handlers.h"
#include "config/profile.h"
#include "control/command_parser.h"
#include "control/executor.h"
#include "ipc/control_client.h"
#include "util/log.h"

#include <cstdio>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace wisp;

namespace {

enum ExitCode { kOk = 0, kCommandFailed = 1, kUsage = 2, kNotRunning = 3 };

int runPhone(const CliOptions &cli, const Profile &profile) {
  auto prepared = prepareProfile(profile);
  if (!prepared) {
    fprintf(stderr, "wisp: %s\n", prepared.error().message.c_str());
    return kUsage;
  }
  const bool console = !cli.headless && isatty(STDIN_FILENO);
  log::open(profile.logFile, !cli.headless || isatty(STDERR_FILENO));
  log::captureLibreDiagnostics();
  if (prepared->createdConfig)
    log::info("phone", "wrote a default configuration to %s", profile.configFile.c_str());

  auto loaded = loadSettingsFile(profile.configFile);
  if (auto *errors = std::get_if<std::vector<ConfigError>>(&loaded)) {
    std::string text = formatConfigErrors(*errors);
    while (!text.empty() && text.back() == '\n')
      text.pop_back();
    log::error("phone", "cannot start, the configuration has errors:\n%s", text.c_str());
    return kUsage;
  }
  PhoneOptions options{profile, cli.audioIn, cli.audioOut, console};
  Phone phone(std::move(options), std::get<Settings>(std::move(loaded)));
  const int rc = phone.run();
  log::info("phone", "stopped");
  log::close();
  return rc;
}

// Starts a headless phone for this profile in the background, detached from us.
bool startBackgroundPhone(const CliOptions &cli, const Profile &profile) {
  std::vector<std::string> args{"wisp", "--profile", profile.dir.string(), "--headless"};
  if (cli.audioIn)
    args.insert(args.end(), {"--audio-in", cli.audioIn->toString()});
  if (cli.audioOut)
    args.insert(args.end(), {"--audio-out", cli.audioOut->toString()});
  pid_t pid = fork();
  if (pid < 0)
    return false;
  if (pid == 0) {
    setsid();
    if (fork() != 0)
      _exit(0); // the grandchild is adopted by init: no zombie, no controlling terminal
    int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    std::vector<char *> argv;
    for (auto &a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  for (int i = 0; i < 100; ++i) { // up to 10 s
    if (phoneIsRunning(profile.socketPath))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// `wisp events`: the phone's events as JSON lines, until the phone exits or we are stopped.
int streamPhoneEvents(const Profile &profile) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Status s = streamEvents(profile.socketPath, [](const std::string &line) {
    return printf("%s\n", line.c_str()) >= 0 && fflush(stdout) == 0;
  });
  if (!s) {
    fprintf(stderr, "wisp: %s\n", s.error().message.c_str());
    return s.error().code == "not_running" ? kNotRunning : kCommandFailed;
  }
  return kOk;
}

int forwardCommand(const CliOptions &cli, const Profile &profile) {
  if (cli.command.size() == 1 && cli.command[0] == "events")
    return streamPhoneEvents(profile);
  // Parse here too: a typo gets its answer even with no phone running.
  auto command = parseCommand(cli.command);
  if (!command) {
    fprintf(stderr, "wisp: %s\n", command.error().message.c_str());
    return kUsage;
  }
  if (command->kind == CommandKind::Help) {
    printf("%s\n", (command->helpTopic ? helpText(*command->helpTopic) : helpText()).c_str());
    return kOk;
  }
  if (!phoneIsRunning(profile.socketPath)) {
    if (command->kind != CommandKind::Dial) {
      fprintf(stderr, "wisp: no Wisp phone is running (profile %s); start one with: wisp%s\n",
              profile.dir.c_str(),
              cli.profileDir ? (" --profile " + profile.dir.string()).c_str() : "");
      return kNotRunning;
    }
    if (auto prepared = prepareProfile(profile); !prepared) {
      fprintf(stderr, "wisp: %s\n", prepared.error().message.c_str());
      return kUsage;
    }
    if (!startBackgroundPhone(cli, profile)) {
      fprintf(stderr, "wisp: could not start a phone in the background; see %s\n",
              profile.logFile.c_str());
      return kCommandFailed;
    }
  }
  auto reply = requestPhone(profile.socketPath, makeRequest(cli.command));
  if (!reply) {
    fprintf(stderr, "wisp: %s\n", reply.error().message.c_str());
    return kCommandFailed;
  }
  const Json *ok = reply->find("ok");
  if (ok && ok->isBool() && ok->asBool()) {
    const Json *result = reply->find("result");
    const Json *text = result ? result->find("text") : nullptr;
    if (text && text->isString() && !text->asString().empty())
      printf("%s\n", text->asString().c_str());
    return kOk;
  }
  const Json *error = reply->find("error");
  const Json *message = error ? error->find("message") : nullptr;
  fprintf(stderr, "wisp: %s\n",
          message && message->isString() ? message->asString().c_str() : reply->dump().c_str());
  return kCommandFailed;
}

// `wisp --register-handlers`: links open in this wisp (and this profile, if given).
int registerHandlers(const CliOptions &cli) {
  std::error_code ec;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    fprintf(stderr, "wisp: cannot find the wisp program: %s\n", ec.message().c_str());
    return kCommandFailed;
  }
  std::optional<std::filesystem::path> profileDir;
  if (cli.profileDir)
    profileDir = std::filesystem::absolute(*cli.profileDir);
  auto done = registerUrlHandlers(program, profileDir);
  if (!done) {
    fprintf(stderr, "wisp: %s\n", done.error().message.c_str());
    return kCommandFailed;
  }
  printf("Wisp now opens sip:, sips:, tel:, callto:, dial: and dialpad: links (%s)\n",
         done->desktopFile.c_str());
  return kOk;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cli = parseCliOptions(args);
  if (!cli) {
    fprintf(stderr, "wisp: %s\n", cli.error().message.c_str());
    return kUsage;
  }
  if (cli->help) {
    printf("%s\n", cliUsage().c_str());
    return kOk;
  }
  if (cli->version) {
    printf("wisp %s\n", WISP_VERSION);
    return kOk;
  }
  if (cli->registerHandlers) {
    if (!cli->command.empty()) {
      fprintf(stderr, "wisp: --register-handlers takes no command\n");
      return kUsage;
    }
    return registerHandlers(*cli);
  }
  auto profile =
      resolveProfile(cli->profileDir, currentExecutableDir(), ProfileEnv::fromEnvironment());
  if (!profile) {
    fprintf(stderr, "wisp: %s\n", profile.error().message.c_str());
    return kUsage;
  }
  if (cli->command.empty())
    return runPhone(*cli, *profile);
  return forwardCommand(*cli, *profile);
}
