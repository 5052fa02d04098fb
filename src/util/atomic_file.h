// Whole-file reads and crash-safe whole-file writes, for the profile's small text files
// (wisp.ini and the user's data): a reader never sees a half-written file.
#pragma once

#include "util/result.h"

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace wisp {

inline constexpr std::filesystem::perms kPrivateFilePerms =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write; // 0600

inline constexpr size_t kDefaultReadLimit = 1024 * 1024; // 1 MiB

// Writes content to a temporary file in path's folder, fsyncs it, renames it over path and
// fsyncs the folder. On failure path is untouched and no temporary file is left behind.
// If path is a symbolic link, the link itself is replaced.
// Errors (code "io") name the path and the system's reason.
Status writeFileAtomically(const std::filesystem::path &path, std::string_view content,
                           std::filesystem::perms mode = kPrivateFilePerms);

// Reads a whole regular file. Errors: "not_found" if it does not exist; "io" for anything
// else (not a regular file, unreadable, larger than maxBytes).
Result<std::string> readFile(const std::filesystem::path &path,
                             size_t maxBytes = kDefaultReadLimit);

} // namespace wisp
