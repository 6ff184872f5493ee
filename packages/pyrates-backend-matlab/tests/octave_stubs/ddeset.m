function o = ddeset(varargin)
%DDESET Test stand-in for MATLAB's ddeset: name/value pairs into a struct.
  o = struct();
  k = 1;
  if nargin > 0 && isstruct(varargin{1})
    o = varargin{1};
    k = 2;
  end
  while k < nargin
    o.(varargin{k}) = varargin{k + 1};
    k = k + 2;
  end
end
