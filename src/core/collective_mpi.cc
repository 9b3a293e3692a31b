// MPI_COMM_WORLD behind adpilot::Collective. Only the thread that joined calls
// MPI (MPI_THREAD_FUNNELED): training's worker threads never communicate.
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>

#include <fmt/format.h>

#include "adpilot/collective.h"
#include "adpilot/error.h"

namespace adpilot {
namespace {

// MPI counts are int: long buffers go in pieces.
constexpr size_t kChunk = size_t(1) << 28;

void Check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  Throw(ErrorCode::kIOError, "MPI {} failed: {}", what, std::string(text, size_t(len)));
}

class Mpi : public Collective {
 public:
  Mpi(int* argc, char*** argv) {
    int provided = 0;
    Check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "init");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    std::string v(version, size_t(len));
    library_ = v.substr(0, v.find(','));
  }
  ~Mpi() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void AllreduceSum(std::span<double> x) const override { Reduce(x.data(), x.size(), MPI_DOUBLE, MPI_SUM); }
  void AllreduceSum(std::span<float> x) const override { Reduce(x.data(), x.size(), MPI_FLOAT, MPI_SUM); }
  void AllreduceMax(std::span<double> x) const override { Reduce(x.data(), x.size(), MPI_DOUBLE, MPI_MAX); }

  std::vector<std::string> Allgather(const std::string& mine) const override {
    if (mine.size() > size_t(INT_MAX))
      Throw(ErrorCode::kUnsupported, "allgather of {} bytes from one rank: at most {}", mine.size(), INT_MAX);
    int n = int(mine.size());
    std::vector<int> counts(size_), offsets(size_);
    Check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD), "allgather");
    int64_t total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = int(total);
      total += counts[r];
      if (total > INT_MAX) Throw(ErrorCode::kUnsupported, "allgather of {}+ bytes: at most {}", total, INT_MAX);
    }
    std::string all(size_t(total), '\0');
    Check(MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
          "allgatherv");
    std::vector<std::string> out(size_);
    for (int r = 0; r < size_; ++r) out[r] = all.substr(size_t(offsets[r]), size_t(counts[r]));
    return out;
  }

  void Broadcast(std::string& bytes, int root) const override {
    uint64_t n = bytes.size();
    Check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, MPI_COMM_WORLD), "broadcast");
    bytes.resize(n);
    for (size_t at = 0; at < n; at += kChunk)
      Check(MPI_Bcast(bytes.data() + at, int(std::min<size_t>(kChunk, n - at)), MPI_BYTE, root, MPI_COMM_WORLD),
            "broadcast");
  }

  void Abort(int status) const override { MPI_Abort(MPI_COMM_WORLD, status); }
  std::string describe() const override { return fmt::format("{}, {} ranks", library_, size_); }

 private:
  void Reduce(void* data, size_t n, MPI_Datatype type, MPI_Op op) const {
    int width = 0;
    MPI_Type_size(type, &width);
    for (size_t at = 0; at < n; at += kChunk)
      Check(MPI_Allreduce(MPI_IN_PLACE, static_cast<char*>(data) + at * size_t(width), int(std::min(kChunk, n - at)),
                          type, op, MPI_COMM_WORLD),
            "allreduce");
  }

  int rank_ = 0, size_ = 1;
  std::string library_;
};

}  // namespace

std::shared_ptr<const Collective> JoinMpi(int* argc, char*** argv) { return std::make_shared<const Mpi>(argc, argv); }

}  // namespace adpilot
