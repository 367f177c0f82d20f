import { basename } from "node:path";
class GetoptError extends Error {
  line;
  constructor(line) {
    super(line);
    this.line = line;
  }
}
Object.defineProperty(GetoptError.prototype, "name", { value: "GetoptError" });
function getopt(argv0, args, spec) {
  const prog = basename(argv0);
  const options = [];
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") break;
    for (let j = 1; j < arg.length; j++) {
      const option = arg[j];
      const at = option === ":" ? -1 : spec.indexOf(option);
      if (at < 0) throw new GetoptError(`${prog}: illegal option -- ${option}
`);
      if (spec[at + 1] !== ":") {
        options.push({ option });
        continue;
      }
      if (j + 1 < arg.length) {
        options.push({ option, value: arg.slice(j + 1) });
      } else if (i + 1 < args.length) {
        options.push({ option, value: args[++i] });
      } else {
        throw new GetoptError(`${prog}: option requires an argument -- ${option}
`);
      }
      break;
    }
  }
  return { options, operands: args.slice(i) };
}
export {
  GetoptError,
  getopt
};
//# sourceMappingURL=data:application/json;base64,ewogICJ2ZXJzaW9uIjogMywKICAic291cmNlcyI6IFsiLi4vLi4vLi4vLi4vc3JjL2xpYi9jbGkvZ2V0b3B0LnRzIl0sCiAgInNvdXJjZXNDb250ZW50IjogWyJpbXBvcnQge2Jhc2VuYW1lfSBmcm9tICdub2RlOnBhdGgnO1xuXG4vKipcbiAqIGRqYidzIHNnZXRvcHQ6IHNob3J0IG9wdGlvbnMgb25seSwgb3B0aW9ucyBiZWZvcmUgb3BlcmFuZHMgKG5vIHBlcm11dGF0aW9uKSwgYC0tYCBlbmRzXG4gKiB0aGVtLCBhIGxvbmUgYC1gIGlzIGFuIG9wZXJhbmQuIGBzcGVjYCBpcyBsaWtlIGBcInVkb3BjaGFpdGt4XCJgIG9yIGBcIm5OeFhhOlwiYCAoYDpgID0gdGFrZXMgYW5cbiAqIGFyZ3VtZW50LCBhdHRhY2hlZCBgLW8xMmAgb3Igc2VwYXJhdGUgYC1vIDEyYCkuXG4gKi9cbmV4cG9ydCBpbnRlcmZhY2UgUGFyc2VkT3B0aW9ucyB7XG4gIC8qKiBPcHRpb25zIGluIHRoZSBvcmRlciBnaXZlbiwgZHVwbGljYXRlcyBrZXB0LiAqL1xuICBvcHRpb25zOiBBcnJheTx7b3B0aW9uOiBzdHJpbmc7IHZhbHVlPzogc3RyaW5nfT47XG4gIG9wZXJhbmRzOiBzdHJpbmdbXTtcbn1cblxuLyoqIFRocm93biBmb3IgYSBiYWQgb3B0aW9uOyBgbGluZWAgaXMgd2hhdCBzZ2V0b3B0IHByaW50cyBiZWZvcmUgdGhlIHByb2dyYW0ncyBvd24gdXNhZ2UuICovXG5leHBvcnQgY2xhc3MgR2V0b3B0RXJyb3IgZXh0ZW5kcyBFcnJvciB7XG4gIHJlYWRvbmx5IGxpbmU6IHN0cmluZztcbiAgY29uc3RydWN0b3IobGluZTogc3RyaW5nKSB7XG4gICAgc3VwZXIobGluZSk7XG4gICAgdGhpcy5saW5lID0gbGluZTtcbiAgfVxufVxuT2JqZWN0LmRlZmluZVByb3BlcnR5KEdldG9wdEVycm9yLnByb3RvdHlwZSwgJ25hbWUnLCB7dmFsdWU6ICdHZXRvcHRFcnJvcid9KTtcblxuZXhwb3J0IGZ1bmN0aW9uIGdldG9wdChhcmd2MDogc3RyaW5nLCBhcmdzOiByZWFkb25seSBzdHJpbmdbXSwgc3BlYzogc3RyaW5nKTogUGFyc2VkT3B0aW9ucyB7XG4gIGNvbnN0IHByb2cgPSBiYXNlbmFtZShhcmd2MCk7XG4gIGNvbnN0IG9wdGlvbnM6IFBhcnNlZE9wdGlvbnNbJ29wdGlvbnMnXSA9IFtdO1xuICBsZXQgaSA9IDA7XG4gIGZvciAoOyBpIDwgYXJncy5sZW5ndGg7IGkrKykge1xuICAgIGNvbnN0IGFyZyA9IGFyZ3NbaV0hO1xuICAgIGlmIChhcmcgPT09ICctLScpIHtcbiAgICAgIGkrKztcbiAgICAgIGJyZWFrO1xuICAgIH1cbiAgICBpZiAoYXJnLmxlbmd0aCA8IDIgfHwgYXJnWzBdICE9PSAnLScpIGJyZWFrO1xuICAgIGZvciAobGV0IGogPSAxOyBqIDwgYXJnLmxlbmd0aDsgaisrKSB7XG4gICAgICBjb25zdCBvcHRpb24gPSBhcmdbal0hO1xuICAgICAgY29uc3QgYXQgPSBvcHRpb24gPT09ICc6JyA/IC0xIDogc3BlYy5pbmRleE9mKG9wdGlvbik7XG4gICAgICBpZiAoYXQgPCAwKSB0aHJvdyBuZXcgR2V0b3B0RXJyb3IoYCR7cHJvZ306IGlsbGVnYWwgb3B0aW9uIC0tICR7b3B0aW9ufVxcbmApO1xuICAgICAgaWYgKHNwZWNbYXQgKyAxXSAhPT0gJzonKSB7XG4gICAgICAgIG9wdGlvbnMucHVzaCh7b3B0aW9ufSk7XG4gICAgICAgIGNvbnRpbnVlO1xuICAgICAgfVxuICAgICAgaWYgKGogKyAxIDwgYXJnLmxlbmd0aCkge1xuICAgICAgICBvcHRpb25zLnB1c2goe29wdGlvbiwgdmFsdWU6IGFyZy5zbGljZShqICsgMSl9KTtcbiAgICAgIH0gZWxzZSBpZiAoaSArIDEgPCBhcmdzLmxlbmd0aCkge1xuICAgICAgICBvcHRpb25zLnB1c2goe29wdGlvbiwgdmFsdWU6IGFyZ3NbKytpXSF9KTtcbiAgICAgIH0gZWxzZSB7XG4gICAgICAgIHRocm93IG5ldyBHZXRvcHRFcnJvcihgJHtwcm9nfTogb3B0aW9uIHJlcXVpcmVzIGFuIGFyZ3VtZW50IC0tICR7b3B0aW9ufVxcbmApO1xuICAgICAgfVxuICAgICAgYnJlYWs7XG4gICAgfVxuICB9XG4gIHJldHVybiB7b3B0aW9ucywgb3BlcmFuZHM6IGFyZ3Muc2xpY2UoaSl9O1xufVxuIl0sCiAgIm1hcHBpbmdzIjogIkFBQUEsU0FBUSxnQkFBZTtBQWNoQixNQUFNLG9CQUFvQixNQUFNO0FBQUEsRUFDNUI7QUFBQSxFQUNULFlBQVksTUFBYztBQUN4QixVQUFNLElBQUk7QUFDVixTQUFLLE9BQU87QUFBQSxFQUNkO0FBQ0Y7QUFDQSxPQUFPLGVBQWUsWUFBWSxXQUFXLFFBQVEsRUFBQyxPQUFPLGNBQWEsQ0FBQztBQUVwRSxTQUFTLE9BQU8sT0FBZSxNQUF5QixNQUE2QjtBQUMxRixRQUFNLE9BQU8sU0FBUyxLQUFLO0FBQzNCLFFBQU0sVUFBb0MsQ0FBQztBQUMzQyxNQUFJLElBQUk7QUFDUixTQUFPLElBQUksS0FBSyxRQUFRLEtBQUs7QUFDM0IsVUFBTSxNQUFNLEtBQUssQ0FBQztBQUNsQixRQUFJLFFBQVEsTUFBTTtBQUNoQjtBQUNBO0FBQUEsSUFDRjtBQUNBLFFBQUksSUFBSSxTQUFTLEtBQUssSUFBSSxDQUFDLE1BQU0sSUFBSztBQUN0QyxhQUFTLElBQUksR0FBRyxJQUFJLElBQUksUUFBUSxLQUFLO0FBQ25DLFlBQU0sU0FBUyxJQUFJLENBQUM7QUFDcEIsWUFBTSxLQUFLLFdBQVcsTUFBTSxLQUFLLEtBQUssUUFBUSxNQUFNO0FBQ3BELFVBQUksS0FBSyxFQUFHLE9BQU0sSUFBSSxZQUFZLEdBQUcsSUFBSSx1QkFBdUIsTUFBTTtBQUFBLENBQUk7QUFDMUUsVUFBSSxLQUFLLEtBQUssQ0FBQyxNQUFNLEtBQUs7QUFDeEIsZ0JBQVEsS0FBSyxFQUFDLE9BQU0sQ0FBQztBQUNyQjtBQUFBLE1BQ0Y7QUFDQSxVQUFJLElBQUksSUFBSSxJQUFJLFFBQVE7QUFDdEIsZ0JBQVEsS0FBSyxFQUFDLFFBQVEsT0FBTyxJQUFJLE1BQU0sSUFBSSxDQUFDLEVBQUMsQ0FBQztBQUFBLE1BQ2hELFdBQVcsSUFBSSxJQUFJLEtBQUssUUFBUTtBQUM5QixnQkFBUSxLQUFLLEVBQUMsUUFBUSxPQUFPLEtBQUssRUFBRSxDQUFDLEVBQUUsQ0FBQztBQUFBLE1BQzFDLE9BQU87QUFDTCxjQUFNLElBQUksWUFBWSxHQUFHLElBQUksb0NBQW9DLE1BQU07QUFBQSxDQUFJO0FBQUEsTUFDN0U7QUFDQTtBQUFBLElBQ0Y7QUFBQSxFQUNGO0FBQ0EsU0FBTyxFQUFDLFNBQVMsVUFBVSxLQUFLLE1BQU0sQ0FBQyxFQUFDO0FBQzFDOyIsCiAgIm5hbWVzIjogW10KfQo=
