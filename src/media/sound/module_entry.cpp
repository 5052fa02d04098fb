// The one symbol wisp-sound.so exports (everything else is hidden).
#include "media/sound/sound_devices.h"

extern "C" __attribute__((visibility("default"))) const wisp::SoundModuleApi *wisp_sound_module() {
  static const wisp::SoundModuleApi api{wisp::kSoundModuleAbi, &wisp::sound::openCapture,
                                        &wisp::sound::openPlayback};
  return &api;
}
