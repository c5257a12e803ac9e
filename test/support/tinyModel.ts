import { fileURLToPath } from "node:url";

/**
 * The real tiny GGUF model kept in the repository (test/fixtures, see its README). Tests run from
 * dist/test/support, and the build does not copy the .gguf into dist, so it is resolved from the repository root.
 */
export const tinyModelPath = fileURLToPath(new URL("../../../test/fixtures/stories260K.gguf", import.meta.url));
