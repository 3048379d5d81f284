/** Where the control-plane commands print. Tests swap these to run commands in-process. */
export const output = {
  out: (text: string): void => void process.stdout.write(text),
  err: (text: string): void => void process.stderr.write(text),
};

export const print = (text: string): void => output.out(text.endsWith('\n') ? text : text + '\n');
export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));
