#include "services/reflection_service.h"

#include <google/protobuf/descriptor.pb.h>

#include <cassert>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace timebank::services {

using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

absl::StatusOr<std::unique_ptr<ReflectionService>> ReflectionService::Create(
    std::string_view descriptor_set, std::vector<std::string> services) {
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromArray(descriptor_set.data(),
                          static_cast<int>(descriptor_set.size()))) {
    return absl::InvalidArgumentError("descriptor set: does not parse");
  }
  std::unique_ptr<ReflectionService> service(new ReflectionService());
  for (const google::protobuf::FileDescriptorProto& file : set.file()) {
    if (service->pool_.BuildFile(file) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptor set: ", file.name(), " does not build"));
    }
    service->files_[file.name()] = file.SerializeAsString();
  }
  service->services_ = std::move(services);
  return service;
}

grpc::Status ReflectionService::ServerReflectionInfo(
    grpc::ServerContext* /*context*/,
    grpc::ServerReaderWriter<Response, Request>* stream) {
  Request request;
  while (stream->Read(&request)) {
    if (!stream->Write(Answer(request))) break;
  }
  return grpc::Status::OK;
}

ReflectionService::Response ReflectionService::Answer(
    const Request& request) const {
  Response response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  const FileDescriptor* file = nullptr;
  grpc::Status error(grpc::StatusCode::NOT_FOUND, "");
  switch (request.message_request_case()) {
    case Request::kFileByFilename:
      file = pool_.FindFileByName(request.file_by_filename());
      error = grpc::Status(grpc::StatusCode::NOT_FOUND, "File not found.");
      break;
    case Request::kFileContainingSymbol:
      file = pool_.FindFileContainingSymbol(request.file_containing_symbol());
      error = grpc::Status(grpc::StatusCode::NOT_FOUND, "Symbol not found.");
      break;
    case Request::kFileContainingExtension: {
      const auto& extension = request.file_containing_extension();
      const google::protobuf::Descriptor* type =
          pool_.FindMessageTypeByName(extension.containing_type());
      const FieldDescriptor* field =
          type == nullptr
              ? nullptr
              : pool_.FindExtensionByNumber(type, extension.extension_number());
      if (field != nullptr) file = field->file();
      error = grpc::Status(grpc::StatusCode::NOT_FOUND, "Extension not found.");
      break;
    }
    case Request::kAllExtensionNumbersOfType: {
      const google::protobuf::Descriptor* type =
          pool_.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        error = grpc::Status(grpc::StatusCode::NOT_FOUND, "Type not found.");
        break;
      }
      std::vector<const FieldDescriptor*> extensions;
      pool_.FindAllExtensions(type, &extensions);
      auto* numbers = response.mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const FieldDescriptor* extension : extensions) {
        numbers->add_extension_number(extension->number());
      }
      return response;
    }
    case Request::kListServices:
      for (const std::string& name : services_) {
        response.mutable_list_services_response()->add_service()->set_name(
            name);
      }
      return response;
    case Request::MESSAGE_REQUEST_NOT_SET:
      // Also a request kind newer than this file: not one we answer.
      error = grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                           "message_request: not a request this server knows");
      break;
  }
  if (file == nullptr) {
    response.mutable_error_response()->set_error_code(error.error_code());
    response.mutable_error_response()->set_error_message(error.error_message());
    return response;
  }
  AddFiles(*file, response);
  return response;
}

void ReflectionService::AddFiles(const FileDescriptor& file,
                                 Response& response) const {
  auto* files = response.mutable_file_descriptor_response();
  std::set<std::string> sent;
  std::vector<const FileDescriptor*> pending = {&file};
  while (!pending.empty()) {
    const FileDescriptor* next = pending.back();
    pending.pop_back();
    if (!sent.insert(next->name()).second) continue;
    const auto it = files_.find(next->name());
    // The pool holds only files built from files_.
    assert(it != files_.end());
    files->add_file_descriptor_proto(it->second);
    for (int i = next->dependency_count() - 1; i >= 0; --i) {
      pending.push_back(next->dependency(i));
    }
  }
}

}  // namespace timebank::services
