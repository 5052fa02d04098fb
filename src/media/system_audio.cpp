#include "media/system_audio.h"

#include "config/profile.h"
#include "media/sound_module.h"

#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <string>
#include <vector>

namespace wisp {
namespace {

// Where the module may be: $WISP_SOUND_MODULE, beside the executable (a build tree or a
// portable install), or in ../lib/wisp/ (a system install).
std::vector<std::filesystem::path> moduleCandidates() {
  std::vector<std::filesystem::path> out;
  if (const char *env = std::getenv("WISP_SOUND_MODULE"); env && *env)
    out.emplace_back(env);
  const auto exeDir = currentExecutableDir();
  out.push_back(exeDir / kSoundModuleFile);
  out.push_back(exeDir.parent_path() / "lib" / "wisp" / kSoundModuleFile);
  return out;
}

// Loaded once, kept for the life of the process (backends' code lives in it).
Result<const SoundModuleApi *> loadModule() {
  static const SoundModuleApi *api = nullptr;
  static std::string failure;
  if (api)
    return api;
  if (!failure.empty())
    return makeError("audio_device", failure);
  std::string tried;
  for (const auto &path : moduleCandidates()) {
    if (!std::filesystem::exists(path))
      continue;
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += std::string(" ") + dlerror() + ";";
      continue;
    }
    using Entry = const SoundModuleApi *(*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, kSoundModuleEntry));
    const SoundModuleApi *candidate = entry ? entry() : nullptr;
    if (!candidate || candidate->abi != kSoundModuleAbi) {
      tried += " " + path.string() + " is from another build of Wisp;";
      dlclose(handle);
      continue;
    }
    api = candidate;
    return api;
  }
  failure = std::string("sound support is missing: ") + kSoundModuleFile +
            " was not found beside the wisp program or in ../lib/wisp/" +
            (tried.empty() ? "" : " (" + tried + ")");
  return makeError("audio_device", failure);
}

} // namespace

bool isSystemAudioDevice(std::string_view deviceName) {
  return parseSoundDeviceName(deviceName).choice != SoundDeviceName::Choice::Unknown;
}

Result<std::unique_ptr<CaptureBackend>> openSystemCapture(std::string_view deviceName) {
  auto api = loadModule();
  if (!api)
    return api.error();
  return (*api)->openCapture(deviceName);
}

Result<std::unique_ptr<PlaybackBackend>> openSystemPlayback(std::string_view deviceName) {
  auto api = loadModule();
  if (!api)
    return api.error();
  return (*api)->openPlayback(deviceName);
}

} // namespace wisp
