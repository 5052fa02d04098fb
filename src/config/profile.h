// Where a phone keeps its files. A profile is one folder with wisp.ini, the log and the user's
// data, plus a private runtime folder for the control socket. Giving each phone its own
// profile (--profile DIR) lets several run side by side.
#pragma once

#include "util/result.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>

namespace wisp {

// The parts of the process environment that decide where the profile is; a value rather
// than getenv() calls so that resolution can be tested.
struct ProfileEnv {
  std::string home;          // $HOME, empty if unset
  std::string xdgConfigHome; // $XDG_CONFIG_HOME, empty if unset
  std::string xdgRuntimeDir; // $XDG_RUNTIME_DIR, empty if unset
  uid_t uid = 0;             // effective user id, names the /tmp fallback

  // Reads the real environment; HOME falls back to the password database.
  static ProfileEnv fromEnvironment();
};

struct Profile {
  std::filesystem::path dir;        // absolute
  std::filesystem::path configFile; // dir/wisp.ini
  std::filesystem::path runtimeDir; // holds the control socket
  std::filesystem::path socketPath; // runtimeDir/control.sock
  std::filesystem::path logFile;    // dir/wisp.log
  bool portable = false;            // found beside the executable (dir == executable's folder)

  bool operator==(const Profile &) const = default;
};

// sockaddr_un::sun_path holds 108 bytes including the terminating NUL.
inline constexpr size_t kMaxSocketPathBytes = 107;

// Picks the profile, first match wins:
//  1. explicitDir (--profile DIR): everything in DIR, made absolute.
//  2. executableDir/wisp.ini exists: a portable profile, everything in executableDir.
//  3. config in $XDG_CONFIG_HOME/wisp (else $HOME/.config/wisp), socket in
//     $XDG_RUNTIME_DIR/wisp (else /tmp/wisp-UID). Relative XDG paths are ignored, as the
//     XDG Base Directory spec says.
// Touches nothing but a stat of executableDir/wisp.ini. Errors (code "profile"): no HOME to
// fall back on, or a socket path longer than kMaxSocketPathBytes.
Result<Profile> resolveProfile(const std::optional<std::filesystem::path> &explicitDir,
                               const std::filesystem::path &executableDir, const ProfileEnv &env);

// The folder of the running executable (from /proc/self/exe), or empty if unknown.
std::filesystem::path currentExecutableDir();

struct PreparedProfile {
  bool createdConfig = false; // a default wisp.ini was just written: tell the user where
};

// Makes the profile usable: creates dir (0700) if missing; creates runtimeDir (0700), or
// if it exists, makes it 0700 when we own it and refuses it when another user does (someone
// else's folder could hijack the control socket); writes the default wisp.ini (0600)
// atomically if there is none. Prints nothing: the caller reports.
Result<PreparedProfile> prepareProfile(const Profile &profile);

} // namespace wisp
