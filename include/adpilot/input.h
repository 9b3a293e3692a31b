// Opening an input once. A regular file can be opened and read any number of
// times; stdin ("-"), a pipe, a FIFO, a socket or /dev/fd/N (`<(...)`) can be
// read only once, so every adpilot component that opens such a path shares one
// process-wide handle instead of opening it again (which would read nothing, or
// what an earlier open left):
//  - what is read from it is kept in an unlinked temporary file (the spool)
//    while it may be read again: the first kStreamHeadBytes always (format
//    sniffing, header and schema peeks re-read the start), everything while
//    another reader of the same path is open (a reader's own peek), and
//    everything once KeepWholeInput was called (several passes: training
//    epochs, a line count before a split);
//  - a later open replays the spool, then goes on reading the live stream;
//  - an open that would need bytes no longer kept is a kUnsupported error
//    naming the path, never a silently shorter read.
// Streams() says what was spooled, for the log line that reports it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace adpilot {

inline constexpr uint64_t kStreamHeadBytes = 64ull << 20;

// True for "-" and for any existing path that is not a regular file or a
// directory (a pipe, FIFO, character device or socket).
bool IsStream(const std::string& path);

// Declares that `path` will be read more than once: when it is a stream, all of
// it is kept from now on. Throws kUnsupported when bytes were already let go
// (the stream was read past kStreamHeadBytes by a single reader). Returns
// IsStream(path).
bool KeepWholeInput(const std::string& path);

// The files of an input that may be several (a data set split into parts): a
// comma-separated list, and directories standing for their regular files
// (sorted by name, dot files skipped), in order. Any other path (one file, a
// file whose name has a comma, "-", a stream, a missing path) is itself.
// Throws kNotFound naming a missing member of a list, kInvalidArgument for a
// directory without files.
std::vector<std::string> InputFiles(const std::string& spec);

struct StreamInfo {
  std::string path;
  uint64_t bytes_read = 0;     // read from the stream so far
  uint64_t bytes_spooled = 0;  // of which kept in the temporary file
  uint64_t opens = 0;          // readers opened on it (1 = streamed, > 1 = replayed)
  bool whole = false;          // KeepWholeInput was called
};
// Every stream this process has opened, in the order first opened.
std::vector<StreamInfo> Streams();
// One line per stream that was spooled ("PATH: not seekable; N bytes spooled
// to a temporary file, read K times"), empty when none was: for a log line.
std::vector<std::string> SpoolReport();

namespace data {

// Raw bytes of one open input (internal to LineSource; public for tests).
class RawInput {
 public:
  virtual ~RawInput() = default;
  // Up to n bytes; 0 only at the end. Throws kIOError on a read error.
  virtual size_t Read(char* out, size_t n) = 0;
  virtual uint64_t size() const = 0;  // 0 when unknown (a stream)
  // Moves to byte `offset`; false where the input cannot seek (a stream).
  virtual bool Seek(uint64_t) { return false; }
};

// Throws kNotFound (no such file), kInvalidArgument (a directory), kIOError
// (cannot open), kUnsupported (a stream that cannot be replayed any more).
std::unique_ptr<RawInput> OpenRawInput(const std::string& path);

}  // namespace data
}  // namespace adpilot
