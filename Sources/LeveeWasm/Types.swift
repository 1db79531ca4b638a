/// Value types of WebAssembly 2.0 (no v128), by their binary encoding.
public enum ValType: UInt8 {
    /// Only in the validator: a value of an unreachable, polymorphic stack.
    case unknown = 0
    case i32 = 0x7F, i64 = 0x7E, f32 = 0x7D, f64 = 0x7C
    case funcref = 0x70, externref = 0x6F

    public var isReference: Bool { self == .funcref || self == .externref }
    public var isNumeric: Bool { self == .i32 || self == .i64 || self == .f32 || self == .f64 }
}

/// A function type, its value types held in the arena (or in static storage for host imports).
public struct FuncType {
    public var types: UnsafePointer<ValType>
    public var paramCount: UInt32
    public var resultCount: UInt32

    public init(types: UnsafePointer<ValType>, paramCount: UInt32, resultCount: UInt32) {
        self.types = types
        self.paramCount = paramCount
        self.resultCount = resultCount
    }

    public func param(_ i: UInt32) -> ValType { types[Int(i)] }
    public func result(_ i: UInt32) -> ValType { types[Int(paramCount + i)] }

    /// Structural equality: types of different modules match when their signatures do.
    public func matches(_ other: FuncType) -> Bool {
        guard paramCount == other.paramCount, resultCount == other.resultCount else { return false }
        if types == other.types { return true }
        for i in 0..<Int(paramCount + resultCount) where types[i] != other.types[i] { return false }
        return true
    }
}

/// Why the decoder rejected a binary module (the spec's "malformed").
public enum DecodeError: Error, Equatable {
    case unexpectedEnd
    case badMagic
    case unsupportedVersion
    case integerTooLong
    case integerRepresentationTooLong
    case sectionOutOfOrder
    case sectionSizeMismatch
    case unknownSection
    case malformedValueType
    case malformedLimits
    case malformedMutability
    case malformedImportKind
    case malformedExportKind
    case malformedElementKind
    case malformedSegment
    case malformedUTF8
    case malformedOpcode
    case malformedReferenceType
    case malformedMemoryIndex
    case functionAndCodeCountMismatch
    case dataCountMismatch
    case dataCountRequired
    case tooManyLocals
    case constantExpressionEnd
}

/// Why the validator rejected a decoded module (the spec's "invalid").
public enum ValidationError: Error, Equatable {
    case typeMismatch
    case unknownType
    case unknownFunction
    case unknownTable
    case unknownMemory
    case unknownGlobal
    case unknownLocal
    case unknownLabel
    case unknownElementSegment
    case unknownDataSegment
    case immutableGlobal
    case constantExpressionRequired
    case invalidLimits
    case memorySizeTooLarge
    case invalidPageSize
    case multipleMemories
    case duplicateExportName
    case invalidStartFunction
    case invalidAlignment
    case undeclaredFunctionReference
    case invalidResultArity
    case unbalancedElse
    case unclosedBlocks
}

/// Why an otherwise valid module could not be instantiated against the embedder's imports.
public enum LinkError: Error, Equatable {
    case unknownImport
    case incompatibleImportType
}

/// Which part of the arena ran out while loading.
public enum ArenaPart: Equatable, Sendable {
    case moduleTables, code, linearMemory, table, stacks, scratch
}

/// Why a module could not be loaded: every stage reports through this one type.
public enum LoadError: Error, Equatable {
    case malformed(DecodeError)
    case invalid(ValidationError)
    case unlinkable(LinkError)
    /// The arena given by the caller is too small; `needed` is a lower bound in bytes.
    case arenaTooSmall(ArenaPart, needed: UInt32)
    /// The module's memory or tables exceed the embedder's limits.
    case exceedsLimits
    /// The unsupported part of the binary format (e.g. SIMD or a later proposal).
    case unsupported
    /// Instantiation trapped (segment out of bounds or a trap in the start function).
    case trapped(Trap)
}

/// A trap: guest execution stopped, the embedder goes on.
public enum Trap: Error, Equatable {
    case unreachable
    case outOfBounds
    case tableOutOfBounds
    case divideByZero
    case integerOverflow
    case invalidConversion
    case indirectCallTypeMismatch
    case undefinedElement
    case uninitializedElement
    case stackExhausted
    case fuelExhausted
    /// The preemption hook asked to stop the guest.
    case interrupted
    /// A host function reported a failure.
    case hostError
}

/// Limits the embedder sets on one instance, independent of the module's declarations.
public struct InstanceLimits: Sendable {
    /// Largest linear memory reserved in the arena, in bytes.
    public var maxMemoryBytes: UInt32
    /// Largest table, in elements (also the room reserved for `table.grow`).
    public var maxTableElements: UInt32
    /// Value stack of the executor, in 8-byte slots.
    public var valueStackSlots: UInt32
    /// Deepest guest call chain.
    public var callDepth: UInt32
    /// Whether a module may have several memories (the multi-memory proposal, which the
    /// custom-page-sizes tests use); WebAssembly 2.0 allows one.
    public var memories: MemoryIndexSpace

    public init(maxMemoryBytes: UInt32, maxTableElements: UInt32, valueStackSlots: UInt32, callDepth: UInt32,
                memories: MemoryIndexSpace = .single) {
        self.maxMemoryBytes = maxMemoryBytes
        self.maxTableElements = maxTableElements
        self.valueStackSlots = valueStackSlots
        self.callDepth = callDepth
        self.memories = memories
    }
}

public enum MemoryIndexSpace: Sendable {
    /// WebAssembly 2.0: at most one memory.
    case single
    /// The multi-memory proposal: memory indices in instructions, segments and exports.
    case multiple
}

/// What loading does beyond validation.
public enum LoadMode: Sendable {
    /// Decode, validate, link, instantiate and run the start function.
    case instantiate
    /// Decode and validate only: imports are not resolved and nothing is allocated for memories,
    /// tables or stacks (a module definition).
    case validate
}
