// The member page's static files, built into timebankd: CMake turns every
// file under services/web/ into a C++ source in the build directory
// (services/embed_web_assets.cmake), so the server ships one binary and
// fetches nothing at run time.
//
// Thread safety: constant data.

#ifndef TIMEBANK_SERVICES_WEB_ASSETS_H_
#define TIMEBANK_SERVICES_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace timebank::services {

struct WebAsset {
  std::string_view path;          // "/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// Every embedded file, ordered by path.
std::span<const WebAsset> WebAssets();

// The file served at `path`; "/" is "/index.html". Null when there is none.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_WEB_ASSETS_H_
