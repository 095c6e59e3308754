#pragma once
// The one thread of a pull that writes received bytes to their blobs, so the threads reading the
// sockets never wait for the disk while memory allows. A disk that stalls (a full request queue,
// dirty-page throttling, a journal commit) used to stop the socket of whichever receiver was in
// pwrite or sync_file_range, and with it that connection's transfer; now receivers only wait when
// every buffer of a bounded pool is queued, and the kernel's socket buffers absorb the rest.
// Buffers that follow each other in one file go out as one pwritev (fewer, larger writes under a
// slow disk, when the queue is long), and BlobWriter starts their writeback from this thread.
// Buffers are reused last-in first-out, so only as many are ever touched as the disk needed.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hfcache::core {
class BlobWriter;
}

namespace hfcache::pull {

class DiskWriter {
 public:
  using Buffer = std::vector<char>;
  // The writes of one transfer: it waits for them and learns their first error.
  struct Batch {
    std::size_t pending = 0;  // under the writer's mutex
    std::exception_ptr error;
  };
  // Runs on the writer thread once [start, end) is in the file.
  using Written = std::function<void(std::uint64_t start, std::uint64_t end)>;

  DiskWriter(std::size_t buffers, std::size_t buffer_size);
  // Writes what is still queued, then stops.
  ~DiskWriter();
  DiskWriter(const DiskWriter&) = delete;
  DiskWriter& operator=(const DiskWriter&) = delete;

  std::size_t buffer_size() const { return buffer_size_; }
  // An empty buffer of buffer_size() capacity; waits while every buffer is queued.
  Buffer take();
  // Queue `data` to be written at `offset`; `data` goes back to the pool once written.
  void submit(core::BlobWriter& writer, std::uint64_t offset, Buffer data, Batch& batch, Written written);
  // Until every write of `batch` is done; then rethrows its first error, if any.
  void wait(Batch& batch);
  // The same, without rethrowing (a transfer that stops anyway).
  void settle(Batch& batch);
  // True once a write of `batch` has failed.
  bool failed(Batch& batch);

 private:
  struct Item {
    core::BlobWriter* writer;
    std::uint64_t offset;
    Buffer data;
    Batch* batch;
    Written written;
  };
  void loop();

  const std::size_t buffer_size_;
  std::mutex mutex_;
  std::condition_variable queued_, freed_, done_;
  std::deque<Item> queue_;
  std::vector<Buffer> free_;
  std::size_t outstanding_ = 0;  // buffers handed out or queued
  const std::size_t capacity_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hfcache::pull
