// Types of azd-env-recorder.mjs (a plain module: the stand-in `azd` executable runs it without tsx).
export interface RecordedCall {
  args: string[];
  cwd: string;
  envName?: string;
  /** For `azd env set --file`: the file, its text, its mode and its folder's mode, and the keys read. */
  file?: string;
  text?: string;
  mode?: number;
  dirMode?: number;
  keys?: string[];
  parseError?: string;
}
export interface AzdRecorder {
  /** Folder holding the `azd` executable: prepend it to PATH. */
  bin: string;
  /** Environment the executable needs (AZD_RECORDER_DIR). */
  env: Record<string, string>;
  calls(): RecordedCall[];
  /** Every value stored with `azd env set --file`, as azd read them. */
  values(): Record<string, string>;
}
export function installAzdRecorder(): AzdRecorder;
export function main(args: string[]): void;
/** github.com/joho/godotenv v1.5.1 Parse, as `azd env set --file` reads a file. */
export function parseGodotenv(text: string): Record<string, string>;
