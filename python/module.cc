// adpilot._core: the C++ library as a Python extension (pybind11). Thin by
// design: commands run in-process from the options they declare (the same
// keys and JSON as the CLI), models train and score on numpy columns without
// copies (adpilot/columns.h), and every long call releases the GIL. The
// Python side (python/adpilot/) shapes pandas and scikit-learn around it.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include "adpilot/atomic_file.h"
#include "adpilot/columns.h"
#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "adpilot/profile.h"
#include "adpilot/reader.h"
#include "adpilot/use_lite.h"

namespace py = pybind11;

namespace adpilot {
namespace {

// Library log lines go to Python's logging ("adpilot"), from whichever thread.
class PythonLogSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    py::gil_scoped_acquire gil;
    static const int kLevels[] = {5, 10, 20, 30, 40, 50, 0};  // trace .. critical, off
    try {
      py::module_::import("logging").attr("getLogger")("adpilot").attr("log")(
          kLevels[int(msg.level)], std::string(msg.payload.data(), msg.payload.size()));
    } catch (const py::error_already_set&) {
      // Logging must never turn into an error of the call it reports on.
    }
  }
  void flush_() override {}
};

Context MakeContext(int threads, uint64_t seed) {
  Context ctx;
  ctx.threads = std::max(1, threads);
  ctx.seed = seed;
  static auto logger = [] {
    auto l = std::make_shared<spdlog::logger>("adpilot-python", std::make_shared<PythonLogSink>());
    l->set_level(spdlog::level::info);
    return l;
  }();
  ctx.logger = logger;
  return ctx;
}

// Runs a registered command with options set by key, as `adpilot run` does.
std::string RunCommand(const std::string& name, const std::string& options, int threads, uint64_t seed) {
  std::vector<std::string> words;
  for (size_t b = 0, e; b <= name.size(); b = e + 1) {
    e = std::min(name.find(' ', b), name.size());
    if (e > b) words.push_back(name.substr(b, e - b));
  }
  size_t used = 0;
  const CommandSpec* spec = FindCommand(words, &used);
  if (!spec || used != words.size()) Throw(ErrorCode::kInvalidArgument, "unknown command '{}'", name);
  auto cmd = spec->make();
  OptionSet set(cmd->config_section());
  cmd->Describe(set);
  const nlohmann::json opts = nlohmann::json::parse(options);
  for (auto it = opts.begin(); it != opts.end(); ++it) set.SetFromJson(it.key(), it.value(), "python");
  set.Validate();
  cmd->set_given(set);
  Context ctx = MakeContext(threads, seed);
  nlohmann::json out;
  {
    py::gil_scoped_release release;
    out = cmd->Run(ctx);
  }
  return out.dump();
}

// Columns from Python: (name, float64 array) or (name, int64 codes, [categories]).
// The arrays are held here so the table's pointers stay valid for the call.
struct Table {
  std::vector<py::array_t<double, py::array::c_style | py::array::forcecast>> numbers;
  std::vector<py::array_t<int64_t, py::array::c_style | py::array::forcecast>> codes;
  py::array_t<double, py::array::c_style | py::array::forcecast> labels, weights;
  py::array_t<int64_t, py::array::c_style | py::array::forcecast> indptr;
  py::array_t<int32_t, py::array::c_style | py::array::forcecast> indices;
  py::array_t<double, py::array::c_style | py::array::forcecast> values;
  SparseColumns sparse;
  ColumnTable t;
};

void ToTable(const py::list& columns, const py::object& labels, const py::object& weights, Table& out) {
  out.t.columns.clear();
  out.numbers.reserve(columns.size());
  out.codes.reserve(columns.size());
  bool first = true;
  for (const auto& item : columns) {
    auto tup = item.cast<py::tuple>();
    Column c;
    c.name = tup[0].cast<std::string>();
    size_t n = 0;
    if (tup.size() == 6 && py::isinstance<py::str>(tup[1]) && tup[1].cast<std::string>() == "csr") {
      // (field, "csr", indptr, indices, data, columns): scipy's arrays as they are
      // (indptr widened to int64 when it is int32: rows + 1 numbers).
      if (out.t.sparse) Throw(ErrorCode::kInvalidArgument, "one sparse matrix per table");
      out.indptr = decltype(out.indptr)(tup[2]);
      out.indices = decltype(out.indices)(tup[3]);
      out.values = decltype(out.values)(tup[4]);
      out.sparse.field = c.name;
      out.sparse.cols = tup[5].cast<size_t>();
      if (out.indptr.ndim() != 1 || out.indptr.shape(0) < 1 || out.indices.size() != out.values.size())
        Throw(ErrorCode::kInvalidArgument, "'{}': not a CSR matrix (indptr, indices, data)", c.name);
      n = size_t(out.indptr.shape(0)) - 1;
      const int64_t* ip = out.indptr.data();
      if (ip[0] != 0 || ip[n] != int64_t(out.indices.size()))
        Throw(ErrorCode::kInvalidArgument, "'{}': indptr does not span indices", c.name);
      for (size_t i = 0; i < n; ++i)
        if (ip[i + 1] < ip[i]) Throw(ErrorCode::kInvalidArgument, "'{}': indptr decreases at row {}", c.name, i);
      out.sparse.indptr = ip;
      out.sparse.indices = out.indices.data();
      out.sparse.values = out.values.data();
      out.t.sparse = &out.sparse;
      if (!first && n != out.t.rows)
        Throw(ErrorCode::kInvalidArgument, "'{}' has {} rows, the columns {}", c.name, n, out.t.rows);
      out.t.rows = n;
      first = false;
      continue;
    }
    if (tup.size() == 2) {
      out.numbers.emplace_back(tup[1]);
      if (out.numbers.back().ndim() != 1) Throw(ErrorCode::kInvalidArgument, "column '{}' is not 1-d", c.name);
      c.numbers = out.numbers.back().data();
      n = size_t(out.numbers.back().shape(0));
    } else {
      out.codes.emplace_back(tup[1]);
      if (out.codes.back().ndim() != 1) Throw(ErrorCode::kInvalidArgument, "column '{}' is not 1-d", c.name);
      c.codes = out.codes.back().data();
      n = size_t(out.codes.back().shape(0));
      c.categories = tup[2].cast<std::vector<std::string>>();
    }
    if (!first && n != out.t.rows)
      Throw(ErrorCode::kInvalidArgument, "column '{}' has {} rows, the others {}", c.name, n, out.t.rows);
    out.t.rows = n;
    first = false;
    out.t.columns.push_back(std::move(c));
  }
  auto vec = [&](const py::object& o, py::array_t<double, py::array::c_style | py::array::forcecast>& a,
                 const char* what) -> const double* {
    if (o.is_none()) return nullptr;
    a = py::array_t<double, py::array::c_style | py::array::forcecast>(o);
    if (a.ndim() != 1 || size_t(a.shape(0)) != out.t.rows)
      Throw(ErrorCode::kInvalidArgument, "{} has {} entries for {} rows", what, a.size(), out.t.rows);
    return a.data();
  };
  out.t.labels = vec(labels, out.labels, "y");
  out.t.weights = vec(weights, out.weights, "sample_weight");
}

// A private temporary file for a model's bytes (unique per process and call).
std::filesystem::path TempModelPath() {
  static std::atomic<uint64_t> counter{0};
  return std::filesystem::temp_directory_path() / fmt::format("adpilot-py-{}-{}.apm", ::getpid(), counter++);
}

class PyModel {
 public:
  explicit PyModel(std::shared_ptr<Model> m) : m_(std::move(m)) {}
  static PyModel Load(const std::string& path) {
    py::gil_scoped_release release;
    return PyModel(LoadModel(path));
  }
  void Save(const std::string& path) const {
    py::gil_scoped_release release;
    m_->Save(path);
  }
  // The model file's bytes (pickling), through a temporary file: one format.
  py::bytes ToBytes() const {
    std::string bytes;
    {
      py::gil_scoped_release release;
      auto tmp = TempModelPath();
      m_->Save(tmp.string());
      bytes = ReadFile(tmp.string());
      std::filesystem::remove(tmp);
    }
    return py::bytes(bytes);
  }
  static PyModel FromBytes(const py::bytes& b) {
    std::string bytes = b;
    py::gil_scoped_release release;
    auto tmp = TempModelPath();
    WriteFileAtomic(tmp.string(), bytes);
    std::shared_ptr<Model> m;
    try {
      m = LoadModel(tmp.string());
    } catch (...) {
      std::filesystem::remove(tmp);
      throw;
    }
    std::filesystem::remove(tmp);
    return PyModel(std::move(m));
  }
  std::string name() const { return m_->name(); }
  std::vector<std::pair<std::string, std::string>> fields() const {
    const Schema& s = m_->hasher().schema();
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < s.fields.size(); ++i)
      out.emplace_back(s.fields[i], s.kinds[i] == FieldKind::kNumeric            ? "numeric"
                                    : s.kinds[i] == FieldKind::kMultiCategorical ? "sparse"
                                                                                 : "categorical");
    return out;
  }
  std::string config() const { return m_->ConfigJson().dump(); }
  py::array_t<double> Predict(const py::list& columns, int threads) const {
    Table t;
    ToTable(columns, py::none(), py::none(), t);
    std::vector<float> p;
    {
      py::gil_scoped_release release;
      p = PredictTable(*m_, t.t, MakeContext(threads, 0));
    }
    py::array_t<double> out(p.size());
    auto* d = out.mutable_data();
    for (size_t i = 0; i < p.size(); ++i) d[i] = p[i];
    return out;
  }
  std::string Explain(const py::list& columns) const {
    Table t;
    ToTable(columns, py::none(), py::none(), t);
    nlohmann::json rows = nlohmann::json::array();
    py::gil_scoped_release release;
    for (const Explanation& e : ExplainTable(*m_, t.t)) {
      nlohmann::json f = nlohmann::json::array();
      for (const auto& c : e.fields) f.push_back({{"field", c.name}, {"value", c.value}});
      rows.push_back({{"bias", e.bias}, {"margin", e.margin}, {"probability", e.probability}, {"fields", f}});
    }
    return rows.dump();
  }

 private:
  std::shared_ptr<Model> m_;
};

// A reader of any registered format, batch by batch (adpilot.read).
class PyReader {
 public:
  PyReader(const std::string& path, const std::string& options) {
    const nlohmann::json o = nlohmann::json::parse(options);
    ReaderOptions ro;
    ro.format = o.value("format", std::string());
    if (ro.format.empty()) ro.format = GuessFormat(path);
    if (ro.format.empty()) ro.format = "criteo";
    ro.schema_path = o.value("schema", std::string());
    ro.header = o.value("header", std::string("auto"));
    ro.on_error = ParseOnError(o.value("on_error", std::string("skip")));
    for (auto it = o.begin(); it != o.end(); ++it)
      if (it.key() != "format" && it.key() != "schema" && it.key() != "header" && it.key() != "on_error")
        Throw(ErrorCode::kInvalidArgument, "read: unknown option '{}' (format, schema, header, on_error)", it.key());
    py::gil_scoped_release release;
    r_ = OpenReader(path, ro);
  }
  std::vector<std::string> fields() const { return r_->schema().fields; }
  uint64_t bad_rows() const { return r_->bad_rows().count(); }

  // (labels, [one column per field]) of up to n records, or None at the end.
  py::object NextBatch(size_t n) {
    const Schema& s = r_->schema();
    const size_t nf = s.fields.size();
    std::vector<double> labels;
    std::vector<std::vector<double>> num(nf);
    std::vector<std::vector<std::string>> cat(nf);
    std::vector<std::vector<char>> has(nf);
    {
      py::gil_scoped_release release;
      RawRecord rec;
      while (labels.size() < n && r_->Next(rec)) {
        labels.push_back(rec.label);
        for (size_t f = 0; f < nf; ++f) {
          if (s.kinds[f] == FieldKind::kNumeric) num[f].push_back(std::nan(""));
          else cat[f].emplace_back(), has[f].push_back(0);
        }
        const size_t row = labels.size() - 1;
        for (const RawFeature& f : rec.features) {
          if (f.field >= nf || f.missing) continue;
          if (s.kinds[f.field] == FieldKind::kNumeric && f.numeric) {
            num[f.field][row] = f.value;
          } else if (s.kinds[f.field] != FieldKind::kNumeric) {
            std::string& cell = cat[f.field][row];
            // Several features of one field (libsvm, vw): "name:value" each, space-separated.
            std::string tok = f.value == 1.0 ? std::string(f.token) : fmt::format("{}:{}", f.token, f.value);
            cell += (has[f.field][row] ? " " : "") + tok;
            has[f.field][row] = 1;
          }
        }
      }
    }
    if (labels.empty()) return py::none();
    py::list cols;
    for (size_t f = 0; f < nf; ++f) {
      if (s.kinds[f] == FieldKind::kNumeric) {
        cols.append(py::array_t<double>(py::ssize_t(num[f].size()), num[f].data()));
      } else {
        py::list c;
        for (size_t i = 0; i < cat[f].size(); ++i) has[f][i] ? c.append(py::str(cat[f][i])) : c.append(py::none());
        cols.append(c);
      }
    }
    return py::make_tuple(py::array_t<double>(py::ssize_t(labels.size()), labels.data()), cols);
  }

 private:
  std::unique_ptr<RecordReader> r_;
};

// USE-Lite sentence vectors straight into an array (adpilot.profile.embed).
py::array_t<float> UseLiteEmbed(const std::vector<std::string>& texts, const std::string& model, bool int8,
                                int batch_size, int threads) {
  Matrix m;
  {
    py::gil_scoped_release release;
    UseLiteOptions o;
    o.batch_size = batch_size;
    o.int8 = int8;
    auto enc = UseLiteEncoder::Load(model, o);
    m = enc->Embed(texts, MakeContext(threads, 0));
  }
  py::array_t<float> out({py::ssize_t(m.rows), py::ssize_t(m.dim)});
  std::copy(m.data.begin(), m.data.end(), out.mutable_data());
  return out;
}

std::pair<PyModel, std::string> Train(const std::string& name, const py::list& columns, const py::object& y,
                                      const py::object& sample_weight, const py::object& valid_columns,
                                      const py::object& valid_y, const std::string& options, int threads,
                                      uint64_t seed) {
  Table train, valid;
  ToTable(columns, y, sample_weight, train);
  const bool has_valid = !valid_columns.is_none();
  if (has_valid) ToTable(valid_columns.cast<py::list>(), valid_y, py::none(), valid);
  const nlohmann::json opts = nlohmann::json::parse(options);
  TableTrainResult r;
  {
    py::gil_scoped_release release;
    r = TrainOnTable(name, train.t, has_valid ? &valid.t : nullptr, opts, MakeContext(threads, seed));
  }
  const TrainReport& rep = r.report;
  auto num = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"model", name},
                      {"train_rows", rep.train_rows},
                      {"examples_seen", rep.examples_seen},
                      {"epochs_run", rep.epochs_run},
                      {"best_epoch", rep.best_epoch},
                      {"stopped_early", rep.stopped_early},
                      {"valid_auc", num(rep.valid_auc)},
                      {"valid_logloss", num(rep.valid_logloss)},
                      {"seconds", rep.seconds}};
  return {PyModel(std::move(r.model)), j.dump()};
}

}  // namespace
}  // namespace adpilot

PYBIND11_MODULE(_core, m) {
  using namespace adpilot;
  m.doc() = "adpilot's C++ library (see the adpilot package)";
  // adpilot::Error by code: bad input is ValueError, a missing file
  // FileNotFoundError, I/O OSError, the rest RuntimeError; the message is the
  // library's own.
  static py::exception<Error> base(m, "Error", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      switch (e.code()) {
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kBadInput:
        case ErrorCode::kUnsupported:
        case ErrorCode::kCorruption:
          PyErr_SetString(PyExc_ValueError, e.what());
          return;
        case ErrorCode::kNotFound:
          PyErr_SetString(PyExc_FileNotFoundError, e.what());
          return;
        case ErrorCode::kIOError:
          PyErr_SetString(PyExc_OSError, e.what());
          return;
        default:
          PyErr_SetString(PyExc_RuntimeError, e.what());
          return;
      }
    } catch (const nlohmann::json::exception& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.def("run", &RunCommand, py::arg("command"), py::arg("options"), py::arg("threads") = 1, py::arg("seed") = 42);
  m.def("train", &Train, py::arg("name"), py::arg("columns"), py::arg("y"), py::arg("sample_weight"),
        py::arg("valid_columns"), py::arg("valid_y"), py::arg("options"), py::arg("threads") = 1, py::arg("seed") = 42);
  m.def("use_lite_embed", &UseLiteEmbed, py::arg("texts"), py::arg("model"), py::arg("int8") = false,
        py::arg("batch_size") = 64, py::arg("threads") = 1);
  py::class_<PyReader>(m, "Reader")
      .def(py::init<const std::string&, const std::string&>())
      .def_property_readonly("fields", &PyReader::fields)
      .def_property_readonly("bad_rows", &PyReader::bad_rows)
      .def("next_batch", &PyReader::NextBatch, py::arg("n"));
  py::class_<PyModel>(m, "Model")
      .def_static("load", &PyModel::Load, py::arg("path"))
      .def_static("from_bytes", &PyModel::FromBytes)
      .def("save", &PyModel::Save, py::arg("path"))
      .def("to_bytes", &PyModel::ToBytes)
      .def_property_readonly("name", &PyModel::name)
      .def_property_readonly("fields", &PyModel::fields)
      .def("config", &PyModel::config)
      .def("predict", &PyModel::Predict, py::arg("columns"), py::arg("threads") = 1)
      .def("explain", &PyModel::Explain, py::arg("columns"));
}
