#include "pull/disk_writer.hpp"

#include <sys/uio.h>

#include <algorithm>

#include "core/blob_store.hpp"

namespace hfcache::pull {
namespace {

// At most this many buffers go into one pwritev.
constexpr std::size_t max_run = 64;

}  // namespace

DiskWriter::DiskWriter(std::size_t buffers, std::size_t buffer_size)
    : buffer_size_(buffer_size), capacity_(std::max<std::size_t>(buffers, 1)) {
  thread_ = std::thread([this] { loop(); });
}

DiskWriter::~DiskWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  queued_.notify_all();
  thread_.join();  // it empties the queue first
}

DiskWriter::Buffer DiskWriter::take() {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [this] { return outstanding_ < capacity_; });
  ++outstanding_;
  if (!free_.empty()) {
    Buffer b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  lock.unlock();
  Buffer b;
  b.reserve(buffer_size_);
  return b;
}

void DiskWriter::submit(core::BlobWriter& writer, std::uint64_t offset, Buffer data, Batch& batch, Written written) {
  {
    std::lock_guard lock(mutex_);
    ++batch.pending;
    queue_.push_back({&writer, offset, std::move(data), &batch, std::move(written)});
  }
  queued_.notify_one();
}

void DiskWriter::wait(Batch& batch) {
  settle(batch);
  std::lock_guard lock(mutex_);
  if (batch.error) std::rethrow_exception(batch.error);
}

void DiskWriter::settle(Batch& batch) {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] { return batch.pending == 0; });
}

bool DiskWriter::failed(Batch& batch) {
  std::lock_guard lock(mutex_);
  return static_cast<bool>(batch.error);
}

void DiskWriter::loop() {
  std::vector<Item> items;
  std::vector<std::exception_ptr> errors;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      items.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    // One file's buffers in file order, so neighbours go out together (each transfer's own buffers
    // keep their order: they arrive in order and sort by offset).
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      return a.writer != b.writer ? a.writer < b.writer : a.offset < b.offset;
    });
    errors.assign(items.size(), nullptr);
    for (std::size_t first = 0; first < items.size();) {
      std::size_t last = first + 1;
      while (last < items.size() && last - first < max_run && items[last].writer == items[first].writer &&
             items[last].offset == items[last - 1].offset + items[last - 1].data.size()) {
        ++last;
      }
      std::vector<iovec> iov;
      for (std::size_t i = first; i < last; ++i) iov.push_back({items[i].data.data(), items[i].data.size()});
      try {
        items[first].writer->write_at(items[first].offset, iov.data(), iov.size());
        for (std::size_t i = first; i < last; ++i) {
          try {
            items[i].written(items[i].offset, items[i].offset + items[i].data.size());
          } catch (...) {
            errors[i] = std::current_exception();
          }
        }
      } catch (...) {
        for (std::size_t i = first; i < last; ++i) errors[i] = std::current_exception();
      }
      first = last;
    }
    {
      std::lock_guard lock(mutex_);
      for (std::size_t i = 0; i < items.size(); ++i) {
        auto& item = items[i];
        if (errors[i] && !item.batch->error) item.batch->error = errors[i];
        --item.batch->pending;
        item.data.clear();
        free_.push_back(std::move(item.data));
        --outstanding_;
      }
    }
    items.clear();
    freed_.notify_all();
    done_.notify_all();
  }
}

}  // namespace hfcache::pull
