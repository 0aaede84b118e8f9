// A policy row that names no rpc of the generated service (here a
// misspelling) must not compile; see tests/services/CMakeLists.txt.
#include "services/authorizer.h"

namespace timebank::services {

constexpr MethodPolicy kMisspelt{
    TIMEBANK_RPC(Ledger, GetBalanse), true, false, false, false, Scope::kAny};

}  // namespace timebank::services
