#pragma once

#include <string>
#include <string_view>

namespace eq::admin {

// Writes content to path so that a reader sees the old file or the whole new one, never
// a part: a temporary file in the same folder, flushed to disk, then renamed over path
// (what node_exporter's textfile collector requires). The file gets mode 0644.
// Throws eq::Error(cant_create) naming the path and the system's reason.
void write_file_atomically(const std::string& path, std::string_view content);

} // namespace eq::admin
