// Small generated fixtures, one per reader format, written into a TempDir.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include <zlib.h>

#include "adpilot/reader.h"

namespace adpilot::testing {

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteGz(const std::string& path, const std::string& text) {
  gzFile gz = gzopen(path.c_str(), "wb");
  gzwrite(gz, text.data(), unsigned(text.size()));
  gzclose(gz);
}

// A valid sample of each format; `Fixture(fmt)` returns the text.
inline std::string CriteoFixture() {
  return "1\t1\t\t5\t0\t1382\t4\t15\t2\t181\t1\t2\t\t2\t68fd1e64\t80e26c9b\tfb936136\t7b4723c4\t25c83c98\t7e0ccccf\tde7"
         "995b8\t1f89b562\ta73ee510\ta8cd5504\tb2cb9c98\t37c9c164\t2824a5f6\t1adce6ef\t8ba8b39a\t891b62e7\te5ba7672\tf5"
         "4016b9\t21ddcdc9\tb1252a9d\t07b5194c\t\t3a171ecb\tc5c50484\te8b83407\t9727dd16\n"
         "0\t2\t0\t44\t1\t102\t8\t2\t2\t4\t1\t1\t\t4\t68fd1e64\tf0cf0024\t6f67f7e5\t41274cd7\t25c83c98\tfe6b92e5\t922af"
         "cc0\t0b153874\ta73ee510\t2b53e5fb\t4f1b46f3\t623049e6\td7020589\tb28479f6\te6c5b5cd\tc92f3b61\t07c540c4\tb04e"
         "4670\t21ddcdc9\t5840adea\t60f6221e\t\t3a171ecb\t43f13e8b\te8b83407\t731c3655\n"
         "0\t\t0\t1\t14\t767\t89\t4\t2\t245\t\t3\t3\t45\t287e684f\t0a519c5c\t02cf9876\tc18be181\t25c83c98\t7e0ccccf\tc7"
         "8204a1\t0b153874\ta73ee510\t3b08e48b\t5f5e6091\t8fe001f4\taa655a2f\t07d13a8f\t6dc710ed\t36103458\t8efede7f\t3"
         "412118d\t\t\te587c466\tad3062eb\t3a171ecb\t3b183c5c\t\t\n";
}

inline std::string AvazuFixture(bool header = true) {
  std::string h =
      "id,click,hour,C1,banner_pos,site_id,site_domain,site_category,app_id,app_domain,app_category,device_id,device_"
      "ip,device_model,device_type,device_conn_type,C14,C15,C16,C17,C18,C19,C20,C21\n";
  std::string rows =
      "10000169349117863715,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,96809ac8,"
      "711ee120,1,0,15704,320,50,1722,0,35,100084,79\n"
      "10000719757558427432,1,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22,a99f214a,b3cf8def,"
      "8a4875bd,1,0,15704,320,50,1722,0,35,100084,79\n"
      "10001314356306484582,0,14102313,1005,1,e151e245,7e091613,f028772b,ecad2386,7801e8d9,07d7df22,c357dbff,a99f214a,"
      "711ee120,1,0,15706,320,50,1722,0,35,-1,79\n";
  return header ? h + rows : rows;
}

inline std::string LibSvmFixture() { return "1 3:1 11:0.5 14:1\n-1 1:2 5:1\n+1 2:1 qid:3 7:1.5 # comment\n0 9:1\n"; }
inline std::string LibFfmFixture() { return "1 0:3:1 1:11:0.5 2:14:1\n0 0:1:2 2:5:1\n1 1:2:1 2:7:1.5\n"; }
inline std::string VwFixture() {
  return "1 |user age:25 gender_m |ad id_9 cat_3\n-1 2.0 'tag1|user age:31 |ad id_7\n1 |ad:0.5 id_9 |user gender_f\n";
}
inline std::string IpinyouFixture(bool test_file = false) {
  std::string extra = test_file ? "\t0\t1" : "";
  return "0\t2\t13\t446f3f551cbbd86c8bcd6b805d28246\t20131022135101295\t1\tDAILV_Dhx~z\twindows_chrome\t113.76.1.*"
         "\t216\t220\t2\tea12fe4912535f6787077d350a4ac9ee\tb76fad79a122bd61deee6c79d360961a\tnull\t1925909506\t200\t200"
         "\tFirstView\tNa\t13\t7319\t277\t205\tnull\t2259\t11423" +
         extra +
         "\n"
         "1\t6\t11\t288f23cd55945e416faeca31a3712674\t20131019110113626\t1\tD56DpC3LbPK\twindows_chrome\t14.222.23.*"
         "\t216\t233\t1\t20fc675468712705dbf5d3eda94126da\t9f1979de6463bd9c53483714b276392a\tnull\tmm_10982364_973726_"
         "8930541\t300\t250\tFourthView\tNa\t0\t7323\t294\t46\tnull\t2259\t10075,10083,10006" +
         extra + "\n";
}
inline std::string CsvSchemaFixture() {
  return "delimiter = \",\"\nlabel = \"click\"\nweight = \"w\"\nuser_id = \"uid\"\ntimestamp = \"ts\"\n"
         "numeric = [\"price\"]\ncategorical = [\"site\"]\nmulti = [\"tags\"]\nmulti_separator = \"|\"\ntext = "
         "[\"title\"]\n";
}
inline std::string CsvFixture() {
  return "click,w,uid,ts,price,site,tags,title,unused\n"
         "1,1,u1,2024-01-02 03:04:05,1.5,example.com,a|b,\"Cheap Flights, to Paris\",x\n"
         "0,2,u2,1700000000,,news.org,,\"He said \"\"hi\"\"\",y\n"
         "0,1,u1,2024-01-03,3,example.com,c,plain,z\n";
}

struct FormatFixture {
  std::string format, file, text;
};

// Writes every format's fixture into `dir`; csv also writes schema.toml.
inline std::vector<FormatFixture> AllFixtures(const std::string& dir) {
  std::vector<FormatFixture> f = {
      {"criteo", dir + "/f.criteo.tsv", CriteoFixture()},
      {"avazu", dir + "/f.avazu.csv", AvazuFixture()},
      {"libsvm", dir + "/f.libsvm", LibSvmFixture()},
      {"libffm", dir + "/f.libffm", LibFfmFixture()},
      {"vw", dir + "/f.vw", VwFixture()},
      {"ipinyou", dir + "/f.log.txt", IpinyouFixture()},
      {"csv", dir + "/f.csv", CsvFixture()},
  };
  for (auto& x : f) WriteText(x.file, x.text);
  WriteText(dir + "/schema.toml", CsvSchemaFixture());
  return f;
}

inline ReaderOptions OptionsFor(const FormatFixture& f, const std::string& dir) {
  ReaderOptions o;
  o.format = f.format;
  if (f.format == "csv") o.schema_path = dir + "/schema.toml";
  return o;
}

}  // namespace adpilot::testing
