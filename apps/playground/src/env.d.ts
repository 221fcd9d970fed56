/// <reference types="vite/client" />

declare module "virtual:mnist-digits" {
  /** Digits per class (classes 0…9 in order). */
  export const DIGITS_PER_CLASS: number;
  /** Side of each square digit image (14). */
  export const DIGIT_SIZE: number;
  /** `10·DIGITS_PER_CLASS·DIGIT_SIZE²` bytes (0…255, row-major), base64. */
  export const digitsBase64: string;
}
