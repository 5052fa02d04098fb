// libsystemd's sd-bus, loaded with dlopen the first time the phone goes on D-Bus. Linking it
// would map libsystemd and the six libraries it needs (lzma, zstd, lz4, gcrypt, ...) into
// every phone: +0.9 MB PSS on an idle phone, even one that never sees a bus.
#pragma once

#include "util/result.h"

#include <systemd/sd-bus.h>

namespace wisp {

// The functions the D-Bus service uses, as the loaded library has them.
struct SdBusLibrary {
  decltype(&::sd_bus_open_user) openUser;
  decltype(&::sd_bus_close_unref) closeUnref;
  decltype(&::sd_bus_slot_unref) slotUnref;
  decltype(&::sd_bus_add_object_vtable) addObjectVtable;
  decltype(&::sd_bus_request_name) requestName;
  decltype(&::sd_bus_get_fd) getFd;
  decltype(&::sd_bus_get_events) getEvents;
  decltype(&::sd_bus_get_timeout) getTimeout;
  decltype(&::sd_bus_process) process;
  decltype(&::sd_bus_emit_signal) emitSignal;
  decltype(&::sd_bus_message_read) messageRead;
  decltype(&::sd_bus_reply_method_return) replyMethodReturn;
  decltype(&::sd_bus_error_set) errorSet;
  // What SD_BUS_VTABLE_START points at; the macro would make it a link-time dependency.
  const unsigned *objectVtableFormat;
};

// Loads libsystemd.so.0 once and keeps it. Error code "no_libsystemd".
Result<const SdBusLibrary *> sdBusLibrary();

} // namespace wisp
