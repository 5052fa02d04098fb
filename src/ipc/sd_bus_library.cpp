#include "ipc/sd_bus_library.h"

#include <dlfcn.h>

#include <string>

namespace wisp {
namespace {

Result<SdBusLibrary> load() {
  void *handle = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return makeError("no_libsystemd", std::string("cannot load libsystemd: ") + dlerror());
  std::string missing;
  auto symbol = [&](auto &slot, const char *name) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(dlsym(handle, name));
    if (!slot)
      missing += std::string(missing.empty() ? "" : ", ") + name;
  };
  SdBusLibrary lib{};
  symbol(lib.openUser, "sd_bus_open_user");
  symbol(lib.closeUnref, "sd_bus_close_unref");
  symbol(lib.slotUnref, "sd_bus_slot_unref");
  symbol(lib.addObjectVtable, "sd_bus_add_object_vtable");
  symbol(lib.requestName, "sd_bus_request_name");
  symbol(lib.getFd, "sd_bus_get_fd");
  symbol(lib.getEvents, "sd_bus_get_events");
  symbol(lib.getTimeout, "sd_bus_get_timeout");
  symbol(lib.process, "sd_bus_process");
  symbol(lib.emitSignal, "sd_bus_emit_signal");
  symbol(lib.messageRead, "sd_bus_message_read");
  symbol(lib.replyMethodReturn, "sd_bus_reply_method_return");
  symbol(lib.errorSet, "sd_bus_error_set");
  symbol(lib.objectVtableFormat, "sd_bus_object_vtable_format");
  if (!missing.empty()) {
    dlclose(handle);
    return makeError("no_libsystemd", "libsystemd.so.0 lacks " + missing + " (too old?)");
  }
  return lib; // the handle stays open: the functions are used until the process ends
}

} // namespace

Result<const SdBusLibrary *> sdBusLibrary() {
  static const Result<SdBusLibrary> loaded = load();
  if (!loaded)
    return loaded.error();
  return &loaded.value();
}

} // namespace wisp
