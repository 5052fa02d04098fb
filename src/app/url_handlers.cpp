#include "app/url_handlers.h"

#include "util/atomic_file.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>
#include <vector>

extern char **environ;

namespace wisp {
namespace {

constexpr std::array<std::string_view, 6> kSchemes = {"sip",    "sips", "tel",
                                                      "callto", "dial", "dialpad"};
constexpr std::string_view kDesktopFileName = "wisp.desktop";

// Desktop Entry Specification, "The Exec key": arguments with reserved characters are
// double-quoted, with '"', '`', '$' and '\' escaped inside; '%' is doubled everywhere.
std::string execArgument(std::string_view arg) {
  bool needsQuotes = arg.empty();
  for (char c : arg)
    if (std::string_view(" \t\n\"'\\><~|&;$*?#()`").find(c) != std::string_view::npos)
      needsQuotes = true;
  std::string out;
  for (char c : arg) {
    if (needsQuotes && (c == '"' || c == '`' || c == '$' || c == '\\'))
      out += '\\';
    out += c;
    if (c == '%')
      out += '%';
  }
  return needsQuotes ? "\"" + out + "\"" : out;
}

std::filesystem::path applicationsDir() {
  const char *dataHome = getenv("XDG_DATA_HOME");
  if (dataHome && dataHome[0] == '/')
    return std::filesystem::path(dataHome) / "applications";
  const char *home = getenv("HOME");
  return std::filesystem::path(home ? home : "") / ".local/share/applications";
}

// Runs xdg-mime with these arguments and waits for it.
Status runXdgMime(const std::vector<std::string> &args) {
  std::vector<char *> argv;
  std::string program = "xdg-mime";
  argv.push_back(program.data());
  std::vector<std::string> copies(args);
  for (auto &a : copies)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int err = posix_spawnp(&pid, "xdg-mime", nullptr, nullptr, argv.data(), environ);
  if (err != 0)
    return makeError("xdg_mime",
                     std::string("cannot run xdg-mime (") + strerror(err) + "); install xdg-utils");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line = "xdg-mime";
    for (const auto &a : args)
      line += " " + a;
    return makeError("xdg_mime", line + " failed (exit status " +
                                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                     ")");
  }
  return Ok{};
}

} // namespace

std::span<const std::string_view> urlHandlerSchemes() {
  return kSchemes;
}

std::string desktopEntry(std::string_view exec) {
  std::string mimeTypes;
  for (std::string_view scheme : kSchemes)
    mimeTypes += "x-scheme-handler/" + std::string(scheme) + ";";
  return "[Desktop Entry]\n"
         "Type=Application\n"
         "Name=Wisp\n"
         "GenericName=SIP Phone\n"
         "Comment=Call SIP addresses and phone numbers\n"
         "Exec=" +
         std::string(exec) +
         "\n"
         "Terminal=false\n"
         "Categories=Network;Telephony;\n"
         "Keywords=phone;call;sip;voip;\n"
         "MimeType=" +
         mimeTypes + "\n";
}

std::string desktopExec(const std::filesystem::path &program,
                        const std::optional<std::filesystem::path> &profileDir) {
  std::string exec = execArgument(program.string());
  if (profileDir)
    exec += " --profile " + execArgument(profileDir->string());
  return exec + " %u";
}

Result<HandlerRegistration>
registerUrlHandlers(const std::filesystem::path &program,
                    const std::optional<std::filesystem::path> &profileDir) {
  const std::filesystem::path dir = applicationsDir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return makeError("io", "cannot create " + dir.string() + ": " + ec.message());
  HandlerRegistration out{dir / kDesktopFileName};
  const std::string entry = desktopEntry(desktopExec(program, profileDir));
  if (Status s = writeFileAtomically(
          out.desktopFile, entry,
          std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
              std::filesystem::perms::group_read | std::filesystem::perms::others_read);
      !s)
    return s.error();
  std::vector<std::string> args = {"default", std::string(kDesktopFileName)};
  for (std::string_view scheme : kSchemes)
    args.push_back("x-scheme-handler/" + std::string(scheme));
  if (Status s = runXdgMime(args); !s)
    return s.error();
  return out;
}

} // namespace wisp
