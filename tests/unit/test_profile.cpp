#include "config/profile.h"

#include "config/settings.h"
#include "support/temp_dir.h"
#include "util/atomic_file.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

namespace wisp {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

mode_t modeOf(const fs::path &p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::vector<std::string> namesIn(const fs::path &dir) {
  std::vector<std::string> names;
  for (const auto &entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

ProfileEnv fakeEnv() {
  ProfileEnv env;
  env.home = "/home/alice";
  env.uid = 1234;
  return env;
}

// ---- resolveProfile ----

TEST(ResolveProfile, ExplicitDirHoldsEverything) {
  Result<Profile> p = resolveProfile(fs::path("/srv/phones/a/"), "", fakeEnv());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->dir, "/srv/phones/a");
  EXPECT_EQ(p->configFile, "/srv/phones/a/wisp.ini");
  EXPECT_EQ(p->runtimeDir, "/srv/phones/a");
  EXPECT_EQ(p->socketPath, "/srv/phones/a/control.sock");
  EXPECT_EQ(p->logFile, "/srv/phones/a/wisp.log");
  EXPECT_FALSE(p->portable);
}

TEST(ResolveProfile, ExplicitRelativeDirIsMadeAbsolute) {
  Result<Profile> p = resolveProfile(fs::path("phones/../b"), "", fakeEnv());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->dir, fs::current_path() / "b");
  EXPECT_TRUE(p->dir.is_absolute());
}

TEST(ResolveProfile, EmptyExplicitDirIsAnError) {
  Result<Profile> p = resolveProfile(fs::path(""), "", fakeEnv());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "profile");
}

TEST(ResolveProfile, ExplicitDirWinsOverAPortableProfile) {
  TempDir exe;
  ASSERT_TRUE(writeFileAtomically(exe.path() / "wisp.ini", "").ok());
  Result<Profile> p = resolveProfile(fs::path("/srv/x"), exe.path(), fakeEnv());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dir, "/srv/x");
}

TEST(ResolveProfile, WispIniBesideTheExecutableMakesItPortable) {
  TempDir exe;
  ASSERT_TRUE(writeFileAtomically(exe.path() / "wisp.ini", "").ok());
  Result<Profile> p = resolveProfile(std::nullopt, exe.path(), fakeEnv());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->portable);
  EXPECT_EQ(p->dir, exe.path());
  EXPECT_EQ(p->configFile, exe.path() / "wisp.ini");
  EXPECT_EQ(p->socketPath, exe.path() / "control.sock");
  EXPECT_EQ(p->logFile, exe.path() / "wisp.log");
}

TEST(ResolveProfile, WithoutWispIniBesideTheExecutableUsesXdgFolders) {
  TempDir exe;
  ProfileEnv env = fakeEnv();
  env.xdgConfigHome = "/home/alice/cfg";
  env.xdgRuntimeDir = "/run/user/1234";
  Result<Profile> p = resolveProfile(std::nullopt, exe.path(), env);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_FALSE(p->portable);
  EXPECT_EQ(p->dir, "/home/alice/cfg/wisp");
  EXPECT_EQ(p->configFile, "/home/alice/cfg/wisp/wisp.ini");
  EXPECT_EQ(p->logFile, "/home/alice/cfg/wisp/wisp.log");
  EXPECT_EQ(p->runtimeDir, "/run/user/1234/wisp");
  EXPECT_EQ(p->socketPath, "/run/user/1234/wisp/control.sock");
}

TEST(ResolveProfile, FallsBackToHomeAndTmp) {
  Result<Profile> p = resolveProfile(std::nullopt, "", fakeEnv());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->dir, "/home/alice/.config/wisp");
  EXPECT_EQ(p->runtimeDir, "/tmp/wisp-1234");
  EXPECT_EQ(p->socketPath, "/tmp/wisp-1234/control.sock");
}

TEST(ResolveProfile, RelativeXdgPathsAreIgnored) {
  ProfileEnv env = fakeEnv();
  env.xdgConfigHome = "relative/cfg";
  env.xdgRuntimeDir = "run";
  Result<Profile> p = resolveProfile(std::nullopt, "", env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->dir, "/home/alice/.config/wisp");
  EXPECT_EQ(p->runtimeDir, "/tmp/wisp-1234");
}

TEST(ResolveProfile, NoHomeAndNoXdgIsAnError) {
  ProfileEnv env;
  env.uid = 5;
  Result<Profile> p = resolveProfile(std::nullopt, "", env);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("--profile"), std::string::npos) << p.error().message;
  // XDG_CONFIG_HOME alone is enough.
  env.xdgConfigHome = "/cfg";
  EXPECT_TRUE(resolveProfile(std::nullopt, "", env).ok());
}

TEST(ResolveProfile, SocketPathLongerThanUnixAllowsIsAnError) {
  const std::string suffix = "/control.sock"; // 13 bytes
  std::string atLimit = "/" + std::string(kMaxSocketPathBytes - suffix.size() - 1, 'd');
  Result<Profile> ok = resolveProfile(fs::path(atLimit), "", fakeEnv());
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->socketPath.native().size(), kMaxSocketPathBytes);

  Result<Profile> tooLong = resolveProfile(fs::path(atLimit + "d"), "", fakeEnv());
  ASSERT_FALSE(tooLong.ok());
  EXPECT_NE(tooLong.error().message.find("107"), std::string::npos) << tooLong.error().message;

  ProfileEnv env = fakeEnv();
  env.xdgRuntimeDir = "/" + std::string(120, 'r');
  EXPECT_FALSE(resolveProfile(std::nullopt, "", env).ok());
}

TEST(ProfileEnvironment, ReadsTheRealEnvironment) {
  struct Saved {
    const char *name;
    std::optional<std::string> value;
  };
  std::vector<Saved> saved;
  for (const char *name : {"HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"}) {
    const char *v = getenv(name);
    saved.push_back({name, v ? std::optional<std::string>(v) : std::nullopt});
  }
  setenv("HOME", "/h/test", 1);
  setenv("XDG_CONFIG_HOME", "/c/test", 1);
  unsetenv("XDG_RUNTIME_DIR");
  ProfileEnv env = ProfileEnv::fromEnvironment();
  EXPECT_EQ(env.home, "/h/test");
  EXPECT_EQ(env.xdgConfigHome, "/c/test");
  EXPECT_EQ(env.xdgRuntimeDir, "");
  EXPECT_EQ(env.uid, geteuid());

  unsetenv("HOME"); // falls back to the password database
  EXPECT_FALSE(ProfileEnv::fromEnvironment().home.empty());

  for (const Saved &s : saved) {
    if (s.value)
      setenv(s.name, s.value->c_str(), 1);
    else
      unsetenv(s.name);
  }
}

TEST(ProfileEnvironment, ExecutableDirIsTheFolderOfThisTestBinary) {
  fs::path dir = currentExecutableDir();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(dir.is_absolute());
  EXPECT_TRUE(fs::is_directory(dir));
}

// ---- prepareProfile ----

Profile profileIn(const fs::path &dir, const fs::path &runtimeDir) {
  Profile p;
  p.dir = dir;
  p.configFile = dir / "wisp.ini";
  p.runtimeDir = runtimeDir;
  p.socketPath = runtimeDir / "control.sock";
  p.logFile = dir / "wisp.log";
  return p;
}

TEST(PrepareProfile, CreatesPrivateFoldersAndTheDefaultConfig) {
  TempDir tmp;
  Profile p = profileIn(tmp.path() / "cfg" / "wisp", tmp.path() / "run" / "wisp");
  Result<PreparedProfile> r = prepareProfile(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->createdConfig);
  EXPECT_EQ(modeOf(p.dir), 0700u);
  EXPECT_EQ(modeOf(p.runtimeDir), 0700u);
  EXPECT_EQ(modeOf(p.configFile), 0600u);
  Result<std::string> text = readFile(p.configFile);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, defaultIniText());
  EXPECT_EQ(namesIn(p.dir), (std::vector<std::string>{"wisp.ini"}));
}

TEST(PrepareProfile, KeepsAnExistingConfig) {
  TempDir tmp;
  Profile p = profileIn(tmp.path(), tmp.path());
  ASSERT_TRUE(writeFileAtomically(p.configFile, "[Settings]\nsourcePort=5099\n").ok());
  Result<PreparedProfile> r = prepareProfile(p);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->createdConfig);
  EXPECT_EQ(*readFile(p.configFile), "[Settings]\nsourcePort=5099\n");
  // Running twice changes nothing.
  Result<PreparedProfile> again = prepareProfile(p);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->createdConfig);
}

TEST(PrepareProfile, TightensAnOpenRuntimeFolderWeOwn) {
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  ASSERT_EQ(::mkdir(run.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(run.c_str(), 0755), 0);
  Result<PreparedProfile> r = prepareProfile(profileIn(tmp.path() / "cfg", run));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(modeOf(run), 0700u);
}

TEST(PrepareProfile, RefusesARuntimeFolderThatIsAFile) {
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  ASSERT_TRUE(writeFileAtomically(run, "x").ok());
  Result<PreparedProfile> r = prepareProfile(profileIn(tmp.path() / "cfg", run));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(run.string()), std::string::npos) << r.error().message;
}

TEST(PrepareProfile, RefusesARuntimeFolderOwnedByAnotherUser) {
  TempDir tmp;
  fs::path run = tmp.path() / "run";
  if (geteuid() == 0) {
    ASSERT_EQ(::mkdir(run.c_str(), 0700), 0);
    ASSERT_EQ(::chown(run.c_str(), 4242, 4242), 0);
  } else {
    run = "/"; // root's, and we cannot chmod it
  }
  Result<PreparedProfile> r = prepareProfile(profileIn(tmp.path() / "cfg", run));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("another user"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(run / "control.sock"));
}

TEST(PrepareProfile, RefusesASymlinkPlantedByAnotherUser) {
  if (geteuid() != 0)
    GTEST_SKIP() << "needs root to give a link to another user";
  TempDir tmp;
  fs::path target = tmp.path() / "mine";
  fs::path run = tmp.path() / "run";
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  fs::create_directory_symlink(target, run);
  ASSERT_EQ(::lchown(run.c_str(), 4242, 4242), 0);
  Result<PreparedProfile> r = prepareProfile(profileIn(tmp.path() / "cfg", run));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("symbolic link"), std::string::npos) << r.error().message;
}

TEST(PrepareProfile, AResolvedProfileWorksEndToEnd) {
  TempDir tmp;
  ProfileEnv env = fakeEnv();
  env.uid = geteuid();
  env.xdgConfigHome = (tmp.path() / "config").string();
  env.xdgRuntimeDir = (tmp.path() / "runtime").string();
  ASSERT_EQ(::mkdir(env.xdgRuntimeDir.c_str(), 0700), 0);
  Result<Profile> p = resolveProfile(std::nullopt, "", env);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(prepareProfile(*p).ok());
  auto loaded = loadSettingsFile(p->configFile);
  ASSERT_TRUE(std::holds_alternative<Settings>(loaded));
  EXPECT_EQ(std::get<Settings>(loaded), Settings{});
  EXPECT_TRUE(fs::is_directory(p->runtimeDir));
}

// ---- Atomic files ----

TEST(AtomicFile, WritesContentPrivatelyAndLeavesNoTemporaryFile) {
  TempDir tmp;
  fs::path file = tmp.path() / "data.txt";
  ASSERT_TRUE(writeFileAtomically(file, "first").ok());
  EXPECT_EQ(*readFile(file), "first");
  EXPECT_EQ(modeOf(file), 0600u);

  ASSERT_TRUE(writeFileAtomically(file, std::string("second\0with nul", 15)).ok());
  EXPECT_EQ(*readFile(file), std::string("second\0with nul", 15));
  EXPECT_EQ(namesIn(tmp.path()), (std::vector<std::string>{"data.txt"}));
}

TEST(AtomicFile, HonoursTheRequestedModeWhateverTheUmask) {
  TempDir tmp;
  fs::path file = tmp.path() / "shared.txt";
  mode_t old = ::umask(077);
  Status s = writeFileAtomically(file, "x",
                                 fs::perms::owner_read | fs::perms::owner_write |
                                     fs::perms::group_read | fs::perms::others_read);
  ::umask(old);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(modeOf(file), 0644u);
}

TEST(AtomicFile, WritesAnEmptyFileAndALargeOne) {
  TempDir tmp;
  ASSERT_TRUE(writeFileAtomically(tmp.path() / "empty", "").ok());
  EXPECT_EQ(*readFile(tmp.path() / "empty"), "");
  std::string big(300 * 1024, 'z');
  big[12345] = 'a';
  ASSERT_TRUE(writeFileAtomically(tmp.path() / "big", big).ok());
  EXPECT_EQ(*readFile(tmp.path() / "big"), big);
}

TEST(AtomicFile, FailureNamesThePathAndLeavesNothing) {
  TempDir tmp;
  fs::path file = tmp.path() / "missing-folder" / "x.txt";
  Status s = writeFileAtomically(file, "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "io");
  EXPECT_NE(s.error().message.find(file.string()), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("No such file"), std::string::npos) << s.error().message;
  EXPECT_TRUE(namesIn(tmp.path()).empty());

  // Renaming over a folder fails after the temporary file was written: it must be removed.
  fs::create_directory(tmp.path() / "dir");
  fs::create_directory(tmp.path() / "dir" / "sub");
  ASSERT_TRUE(writeFileAtomically(tmp.path() / "dir" / "sub" / "keep", "k").ok());
  Status overDir = writeFileAtomically(tmp.path() / "dir" / "sub", "x");
  ASSERT_FALSE(overDir.ok());
  EXPECT_EQ(namesIn(tmp.path() / "dir"), (std::vector<std::string>{"sub"}));
}

TEST(ReadFile, ReportsMissingFoldersFifosAndOversizedFiles) {
  TempDir tmp;
  Result<std::string> missing = readFile(tmp.path() / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "not_found");
  EXPECT_NE(missing.error().message.find((tmp.path() / "nope").string()), std::string::npos);

  Result<std::string> folder = readFile(tmp.path());
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, "io");

  fs::path fifo = tmp.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result<std::string> fromFifo = readFile(fifo); // must not block waiting for a writer
  ASSERT_FALSE(fromFifo.ok());
  EXPECT_NE(fromFifo.error().message.find("not a regular file"), std::string::npos);

  fs::path file = tmp.path() / "f";
  ASSERT_TRUE(writeFileAtomically(file, std::string(100, 'x')).ok());
  EXPECT_TRUE(readFile(file, 100).ok());
  Result<std::string> tooBig = readFile(file, 99);
  ASSERT_FALSE(tooBig.ok());
  EXPECT_NE(tooBig.error().message.find("larger than 99 bytes"), std::string::npos)
      << tooBig.error().message;
}

TEST(ReadFile, DefaultLimitIsOneMebibyte) {
  TempDir tmp;
  fs::path file = tmp.path() / "f";
  ASSERT_TRUE(writeFileAtomically(file, std::string(kDefaultReadLimit, 'x')).ok());
  EXPECT_TRUE(readFile(file).ok());
  ASSERT_TRUE(writeFileAtomically(file, std::string(kDefaultReadLimit + 1, 'x')).ok());
  EXPECT_FALSE(readFile(file).ok());
}

} // namespace
} // namespace wisp
