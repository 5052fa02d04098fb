#include "config/profile.h"

#include "config/settings.h"
#include "util/atomic_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace wisp {
namespace {

namespace fs = std::filesystem;

constexpr const char *kConfigName = "wisp.ini";
constexpr const char *kSocketName = "control.sock";
constexpr const char *kLogName = "wisp.log";
constexpr const char *kAppFolder = "wisp";

Error profileError(std::string message) {
  return makeError("profile", std::move(message));
}

Error systemError(std::string_view what, const fs::path &path, int err) {
  return profileError(std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// "/a/b/" -> "/a/b", "x/../y" -> "y": so that printed paths look like what people type.
fs::path tidy(const fs::path &p) {
  fs::path n = p.lexically_normal();
  if (!n.has_filename() && n.has_relative_path())
    n = n.parent_path();
  return n;
}

std::string envOrEmpty(const char *name) {
  const char *v = std::getenv(name);
  return v ? v : "";
}

// An XDG variable counts only if it holds an absolute path.
std::optional<fs::path> absoluteOrNone(const std::string &value) {
  if (value.empty() || fs::path(value).is_relative())
    return std::nullopt;
  return tidy(value);
}

Profile makeProfile(const fs::path &dir, const fs::path &runtimeDir, bool portable) {
  return Profile{dir,     dir / kConfigName, runtimeDir, runtimeDir / kSocketName, dir / kLogName,
                 portable};
}

Result<Profile> checkSocketPath(Profile profile) {
  size_t length = profile.socketPath.native().size();
  if (length > kMaxSocketPathBytes)
    return profileError("the control socket path " + profile.socketPath.string() + " is " +
                        std::to_string(length) + " bytes long, but Unix sockets allow at most " +
                        std::to_string(kMaxSocketPathBytes) +
                        "; use a profile folder with a shorter path");
  return profile;
}

// Creates dir (and its missing parents, with default permissions) with the given mode.
Status createDirectory(const fs::path &dir, mode_t mode) {
  std::error_code ec;
  if (dir.has_parent_path())
    fs::create_directories(dir.parent_path(), ec);
  if (ec)
    return profileError("cannot create folder " + dir.parent_path().string() + ": " + ec.message());
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST)
    return systemError("cannot create folder", dir, errno);
  return Ok{};
}

Status ensureDirectory(const fs::path &dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return systemError("cannot use folder", dir, errno);
    return createDirectory(dir, 0700);
  }
  if (!S_ISDIR(st.st_mode))
    return profileError("cannot use " + dir.string() + ": it is not a folder");
  return Ok{};
}

// The control socket gives full control of the phone: its folder must be ours alone.
Status ensurePrivateDirectory(const fs::path &dir) {
  const uid_t me = ::geteuid();
  struct stat link {};
  if (::lstat(dir.c_str(), &link) != 0) {
    if (errno != ENOENT)
      return systemError("cannot use folder", dir, errno);
    if (Status s = createDirectory(dir, 0700); !s)
      return s;
    if (::lstat(dir.c_str(), &link) != 0)
      return systemError("cannot use folder", dir, errno);
  }
  // In a shared folder like /tmp, a link planted by someone else could point anywhere.
  if (S_ISLNK(link.st_mode) && link.st_uid != me)
    return profileError("refusing to use " + dir.string() +
                        ": it is a symbolic link owned by "
                        "another user (uid " +
                        std::to_string(link.st_uid) + ")");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    return systemError("cannot use folder", dir, errno);
  if (!S_ISDIR(st.st_mode))
    return profileError("cannot use " + dir.string() + ": it is not a folder");
  if (st.st_uid != me)
    return profileError("refusing to use " + dir.string() + ": it is owned by another user (uid " +
                        std::to_string(st.st_uid) + ") who could take over the control socket");
  if ((st.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0)
    return systemError("cannot make private (chmod 0700) folder", dir, errno);
  return Ok{};
}

} // namespace

ProfileEnv ProfileEnv::fromEnvironment() {
  ProfileEnv env;
  env.home = envOrEmpty("HOME");
  env.xdgConfigHome = envOrEmpty("XDG_CONFIG_HOME");
  env.xdgRuntimeDir = envOrEmpty("XDG_RUNTIME_DIR");
  env.uid = ::geteuid();
  if (env.home.empty()) {
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buf(size > 0 ? static_cast<size_t>(size) : 16384);
    passwd pw{};
    passwd *found = nullptr;
    if (::getpwuid_r(env.uid, &pw, buf.data(), buf.size(), &found) == 0 && found && pw.pw_dir)
      env.home = pw.pw_dir;
  }
  return env;
}

Result<Profile> resolveProfile(const std::optional<fs::path> &explicitDir,
                               const fs::path &executableDir, const ProfileEnv &env) {
  if (explicitDir) {
    if (explicitDir->empty())
      return profileError("the profile folder name is empty");
    std::error_code ec;
    fs::path dir = fs::absolute(*explicitDir, ec);
    if (ec)
      return profileError("cannot find the profile folder " + explicitDir->string() + ": " +
                          ec.message());
    dir = tidy(dir);
    return checkSocketPath(makeProfile(dir, dir, false));
  }

  if (!executableDir.empty()) {
    std::error_code ec;
    fs::path dir = tidy(fs::absolute(executableDir, ec));
    if (!ec && fs::exists(dir / kConfigName, ec))
      return checkSocketPath(makeProfile(dir, dir, true));
  }

  fs::path configHome;
  if (auto xdg = absoluteOrNone(env.xdgConfigHome))
    configHome = *xdg;
  else if (auto home = absoluteOrNone(env.home))
    configHome = *home / ".config";
  else
    return profileError("cannot find the profile folder: neither XDG_CONFIG_HOME nor HOME is "
                        "set; use --profile DIR");

  fs::path runtimeDir;
  if (auto xdg = absoluteOrNone(env.xdgRuntimeDir))
    runtimeDir = *xdg / kAppFolder;
  else
    runtimeDir = fs::path("/tmp") / ("wisp-" + std::to_string(env.uid));
  return checkSocketPath(makeProfile(configHome / kAppFolder, runtimeDir, false));
}

fs::path currentExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

Result<PreparedProfile> prepareProfile(const Profile &profile) {
  if (Status s = ensureDirectory(profile.dir); !s)
    return s.error();
  if (Status s = ensurePrivateDirectory(profile.runtimeDir); !s)
    return s.error();

  PreparedProfile result;
  struct stat st {};
  if (::lstat(profile.configFile.c_str(), &st) == 0)
    return result;
  if (errno != ENOENT)
    return systemError("cannot use", profile.configFile, errno);
  if (Status s = writeFileAtomically(profile.configFile, defaultIniText(), kPrivateFilePerms); !s)
    return profileError("cannot create the default configuration: " + s.error().message);
  result.createdConfig = true;
  return result;
}

} // namespace wisp
