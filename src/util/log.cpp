#include "util/log.h"

#include <re.h>
#define DEBUG_MODULE "wisp"
#define DEBUG_LEVEL 0
#include <re_dbg.h>

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <sys/time.h>

namespace wisp::log {
namespace {

std::mutex g_mutex;
FILE *g_file = nullptr;
bool g_echo = true;

const char *levelName(Level level) {
  switch (level) {
  case Level::Debug: return "debug";
  case Level::Info: return "info";
  case Level::Warn: return "warning";
  case Level::Error: return "error";
  }
  return "?";
}

void vwrite(Level level, std::string_view module, const char *fmt, va_list ap) {
  char buf[2048];
  vsnprintf(buf, sizeof buf, fmt, ap);
  write(level, module, buf);
}

} // namespace

void open(const std::filesystem::path &file, bool echoToStderr) {
  std::lock_guard lock(g_mutex);
  if (g_file)
    fclose(g_file);
  g_file = fopen(file.c_str(), "a");
  g_echo = echoToStderr;
}

void close() {
  std::lock_guard lock(g_mutex);
  if (g_file)
    fclose(g_file);
  g_file = nullptr;
}

void setEchoToStderr(bool echo) {
  std::lock_guard lock(g_mutex);
  g_echo = echo;
}

void write(Level level, std::string_view module, std::string_view message) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm local{};
  localtime_r(&tv.tv_sec, &local);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);

  std::lock_guard lock(g_mutex);
  if (g_file) {
    fprintf(g_file, "%s.%03ld %-7s %.*s: %.*s\n", stamp, long(tv.tv_usec / 1000), levelName(level),
            int(module.size()), module.data(), int(message.size()), message.data());
    fflush(g_file);
  }
  // Problems always reach stderr (a headless phone's stderr is its service log); news only
  // when someone watches the terminal.
  if (level >= Level::Warn || (g_echo && level == Level::Info)) {
    if (level == Level::Info)
      fprintf(stderr, "%.*s\n", int(message.size()), message.data());
    else
      fprintf(stderr, "%s: %.*s\n", levelName(level), int(message.size()), message.data());
  }
}

#define WISP_LOG_FN(name, level)                                                                   \
  void name(std::string_view module, const char *fmt, ...) {                                       \
    va_list ap;                                                                                    \
    va_start(ap, fmt);                                                                             \
    vwrite(level, module, fmt, ap);                                                                \
    va_end(ap);                                                                                    \
  }
WISP_LOG_FN(debug, Level::Debug)
WISP_LOG_FN(info, Level::Info)
WISP_LOG_FN(warn, Level::Warn)
WISP_LOG_FN(error, Level::Error)
#undef WISP_LOG_FN

void captureLibreDiagnostics() {
  dbg_init(DBG_WARNING, DBG_NONE);
  dbg_handler_set(
      [](int level, const char *p, size_t len, void *) {
        std::string_view text(p, len);
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
          text.remove_suffix(1);
        write(level <= DBG_ERR ? Level::Error : Level::Warn, "libre", text);
      },
      nullptr);
}

} // namespace wisp::log
