// Lints the TypeScript sources with type information (floating promises, unsafe any), and the
// tests as plain Node modules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "src/bindings/"] },
  {
    files: ["src/**/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers read naturally in text; null and undefined would print as words.
      "@typescript-eslint/restrict-template-expressions": ["error",
        { allowNumber: true, allowNullish: false, allowAny: false, allowBoolean: false, allowNever: false, allowRegExp: false }],
    },
  },
);
