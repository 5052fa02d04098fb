// The phone's log: one line per event, to a file in the profile and (optionally) stderr.
// Used from the loop thread and audio threads alike, so writes are serialised.
#pragma once

#include <cstdarg>
#include <filesystem>
#include <string_view>

namespace wisp::log {

enum class Level { Debug, Info, Warn, Error };

// Opens (appends to) the log file. Warnings and errors always go to stderr as well; info
// lines only with echoToStderr (foreground runs).
void open(const std::filesystem::path &file, bool echoToStderr);
void close();
void setEchoToStderr(bool echo);

void write(Level level, std::string_view module, std::string_view message);

[[gnu::format(printf, 2, 3)]] void debug(std::string_view module, const char *fmt, ...);
[[gnu::format(printf, 2, 3)]] void info(std::string_view module, const char *fmt, ...);
[[gnu::format(printf, 2, 3)]] void warn(std::string_view module, const char *fmt, ...);
[[gnu::format(printf, 2, 3)]] void error(std::string_view module, const char *fmt, ...);

// Routes libre's own diagnostics (dbg_*) into this log.
void captureLibreDiagnostics();

} // namespace wisp::log
