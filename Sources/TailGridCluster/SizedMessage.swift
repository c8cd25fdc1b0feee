import GRPCCore
import GRPCProtobuf
import SwiftProtobuf

/// A message read off the wire with the number of bytes it had there, so the coordinator
/// can limit and count what a worker sends without encoding every message again to learn
/// its size (that second encoding was about a tenth of a coordinator's CPU time).
struct SizedMessage<Message: SwiftProtobuf.Message>: Sendable {
    let message: Message
    let bytes: Int
}

/// Protobuf's deserializer, also keeping each message's size on the wire.
struct SizedProtobufDeserializer<Message: SwiftProtobuf.Message>: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> SizedMessage<Message> {
        SizedMessage(message: try ProtobufDeserializer<Message>().deserialize(serializedMessageBytes),
                     bytes: serializedMessageBytes.count)
    }
}
