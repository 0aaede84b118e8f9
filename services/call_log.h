// Every call to timebankd gets a call id: sent back to the client as the
// metadata `x-call-id` (in the initial metadata, and in the trailing metadata
// too, since an error reply may carry no initial metadata), and written in
// the server's one log line per call, so a user's report ("call
// 3f9c0e12a7b45d61 failed") leads to the server's log. The same place counts
// the call and its latency for the metrics.
//
// The log line is `event=call call_id=... rpc=... code=... ms=...`: at info
// for every call but health checks (debug), at error for server faults
// (INTERNAL, UNAVAILABLE, DATA_LOSS, UNKNOWN) with their message. A client
// mistake's message may name an account, so it is added only at debug level.
// No token and no request content is ever logged.
//
// Implemented as a gRPC server interceptor, so every method of every service
// is covered without each handler taking part. gRPC tells an interceptor its
// method only by name, so the factory resolves each rpc's metrics once, when
// it is made, and a call finds its method's in that fixed table as it starts.
//
// Thread safety: one interceptor per call; the factory is shared.

#ifndef TIMEBANK_SERVICES_CALL_LOG_H_
#define TIMEBANK_SERVICES_CALL_LOG_H_

#include <grpcpp/support/server_interceptor.h>

#include <map>
#include <string>
#include <vector>

#include "services/metrics.h"

namespace timebank::services {

inline constexpr char kCallIdMetadata[] = "x-call-id";

// 16 lower-case hex digits, random.
std::string NewCallId();

class CallLogFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `methods` ("timebank.v1.Ledger/GetBalance") get their metrics now; a
  // call of any other method (health, reflection) gets its own from
  // `metrics` when it starts.
  CallLogFactory(Metrics* metrics, const std::vector<std::string>& methods);
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  Metrics* metrics_;
  // Fixed once made, so calls read it without a lock.
  std::map<std::string, RpcMetrics*, std::less<>> rpcs_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_CALL_LOG_H_
