import { fileURLToPath } from "node:url";

/** The real tiny GGUF model kept beside the project (../shared/models), resolved from the compiled test file. */
export const tinyModelPath = fileURLToPath(new URL("../../../../shared/models/stories260K.gguf", import.meta.url));
