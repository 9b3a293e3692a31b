// The ranks of a data-parallel job (docs/distributed.md): OpenMPI's
// MPI_COMM_WORLD when the process was started by mpirun or srun, one rank
// otherwise, so every command runs the same code in one process or many.
// Ranks hold identical state after each collective; a rank that fails ends
// the whole job (the CLI calls Abort), so none waits forever in a collective.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace adpilot {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool distributed() const { return size() > 1; }
  // "rank 1/4" (for messages), "" in one process.
  std::string who() const;

  // Element-wise sum over ranks, in place on every rank. For a fixed number of
  // ranks the result is the same on every run (MPI's reduction order is fixed).
  virtual void AllreduceSum(std::span<double> x) const = 0;
  virtual void AllreduceSum(std::span<float> x) const = 0;
  // Element-wise maximum over ranks, in place.
  virtual void AllreduceMax(std::span<double> x) const = 0;
  // Every rank's bytes, in rank order, on every rank.
  virtual std::vector<std::string> Allgather(const std::string& mine) const = 0;
  // Replaces `bytes` on every rank by root's.
  virtual void Broadcast(std::string& bytes, int root = 0) const = 0;
  // Ends every rank of the job with `status` (MPI_Abort). Only the CLI calls
  // it, after printing the error; in one process it returns.
  virtual void Abort(int status) const = 0;
  // "OpenMPI v4.1.4, 4 ranks" or "one process".
  virtual std::string describe() const = 0;
};

// One process: rank 0 of 1, every collective a no-op.
std::shared_ptr<const Collective> SingleProcess();

// Joins the MPI job this process was launched into (mpirun, srun: seen from
// the launcher's environment), or SingleProcess when there is none. Call once,
// before any thread starts. Throws kUnsupported when launched as one of several
// ranks by a binary built without MPI (each would train and write alone).
std::shared_ptr<const Collective> JoinJob(int* argc, char*** argv);

// Items [begin, end) of n (rows, bytes of a file) in rank's share: contiguous,
// sizes differing by at most one.
struct Share {
  size_t begin = 0, end = 0;
};
Share ShareOf(size_t n, int rank, int size);

}  // namespace adpilot
