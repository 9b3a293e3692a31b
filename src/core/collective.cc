// One-process collectives and the choice between them and MPI (the MPI side is
// collective_mpi.cc, compiled only where ADPILOT_WITH_MPI found OpenMPI).
#include "adpilot/collective.h"

#include <cstdlib>

#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot {

#ifdef ADPILOT_WITH_MPI
std::shared_ptr<const Collective> JoinMpi(int* argc, char*** argv);  // collective_mpi.cc
#endif

namespace {

class Single : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void AllreduceSum(std::span<double>) const override {}
  void AllreduceSum(std::span<float>) const override {}
  void AllreduceMax(std::span<double>) const override {}
  std::vector<std::string> Allgather(const std::string& mine) const override { return {mine}; }
  void Broadcast(std::string&, int) const override {}
  void Abort(int) const override {}
  std::string describe() const override { return "one process"; }
};

// Ranks the launcher says this job has (0: not launched by one). OpenMPI's
// mpirun sets OMPI_COMM_WORLD_SIZE; srun and PMIx launchers set PMI_SIZE or
// PMIX_RANK (the size then comes from MPI itself).
int LauncherRanks() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(var)) return std::max(1, std::atoi(v));
  return std::getenv("PMIX_RANK") ? 1 : 0;
}

}  // namespace

std::string Collective::who() const { return distributed() ? fmt::format("rank {}/{}", rank(), size()) : ""; }

std::shared_ptr<const Collective> SingleProcess() {
  static const auto single = std::make_shared<const Single>();
  return single;
}

std::shared_ptr<const Collective> JoinJob([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
  int ranks = LauncherRanks();
  if (ranks == 0) return SingleProcess();
#ifdef ADPILOT_WITH_MPI
  return JoinMpi(argc, argv);
#else
  if (ranks > 1)
    Throw(ErrorCode::kUnsupported,
          "launched as one of {} ranks, but this adpilot was built without MPI (ADPILOT_WITH_MPI=OFF): "
          "every rank would train alone and write the same output; rebuild with libopenmpi-dev installed",
          ranks);
  return SingleProcess();
#endif
}

Share ShareOf(size_t n, int rank, int size) {
  if (size <= 1) return {0, n};
  auto cut = [&](int r) { return size_t((unsigned __int128)n * unsigned(r) / unsigned(size)); };
  return {cut(rank), cut(rank + 1)};
}

}  // namespace adpilot
